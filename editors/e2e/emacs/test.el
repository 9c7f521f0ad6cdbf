;;; test.el --- eglot smoke test of the backend-brain language server  -*- lexical-binding: t -*-
;;
;; Run: emacs --batch -q -l test.el  with BB_BIN (the server binary) and BB_WS (a copy of
;; fixtures/showcase) in the environment.  Opens a routes file with eglot, then checks that
;; flymake shows an undocumented-route diagnostic and that hover on a route returns its card.
;; -q, not -Q: Debian's site-start puts its elpa packages (eglot) on the load path.
;; Exits 0 when both checks pass, 1 on a failure, 3 when the watchdog fires.

(require 'eglot)
(require 'flymake)
(require 'cl-lib)

(defvar bb-bin (or (getenv "BB_BIN") (error "BB_BIN is not set")))
(defvar bb-ws (file-name-as-directory (or (getenv "BB_WS") (error "BB_WS is not set"))))
(defvar bb-start (float-time))

(defun bb-say (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n")))

(defun bb-fail (fmt &rest args)
  (bb-say "FAIL: %s" (apply #'format fmt args))
  (kill-emacs 1))

(run-at-time 60 nil (lambda () (bb-say "FAIL: watchdog: the test did not finish within 60s")
                      (kill-emacs 3)))

(defun bb-wait (what seconds pred)
  "Process events until PRED is non-nil, or fail after SECONDS naming WHAT."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or (funcall pred) (bb-fail "timed out after %ss waiting for %s" seconds what))))

;; Emacs 28 has no TypeScript mode: js-mode edits .ts files well enough for this test.
(add-to-list 'auto-mode-alist '("\\.ts\\'" . js-mode))
(setq eglot-sync-connect 10
      eglot-autoshutdown t
      eglot-events-buffer-size 0
      flymake-no-changes-timeout 0.1)
(add-hook 'project-find-functions (lambda (_dir) (cons 'transient bb-ws)))

(find-file (expand-file-name "src/routes/admin.ts" bb-ws))
(eglot '(js-mode) (project-current) 'eglot-lsp-server (list bb-bin "lsp") "typescript")
(bb-wait "eglot to manage the buffer" 15 (lambda () (eglot-managed-p)))
(bb-say "ok   eglot connected (%.1fs)" (- (float-time) bb-start))

;; Diagnostics, through flymake as a user sees them.
(goto-char (point-min))
(search-forward "router.get('/stats'")
(defvar bb-route-line (line-number-at-pos))
(bb-wait "an undocumented-route diagnostic in flymake" 20
         (lambda ()
           (flymake-start)
           (cl-some (lambda (d)
                      (and (string-match-p "GET /api/v1/admin/stats is undocumented"
                                           (flymake-diagnostic-text d))
                           (= (line-number-at-pos (flymake-diagnostic-beg d)) bb-route-line)))
                    (flymake-diagnostics))))
(bb-say "ok   flymake shows the undocumented-route diagnostic on line %d (%.1fs)"
        bb-route-line (- (float-time) bb-start))

;; Hover on the route's method.
(goto-char (point-min))
(search-forward "router.get('/stats'")
(search-backward "get")
(let* ((hover (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                               (eglot--TextDocumentPositionParams)))
       (contents (plist-get hover :contents))
       (text (if (stringp contents) contents (plist-get contents :value))))
  (unless (and text (string-match-p "/api/v1/admin/stats" text)
               (string-match-p "getDashboardStats" text))
    (bb-fail "hover lacks the route's path or handler: %S" hover))
  (bb-say "ok   hover: %s" (car (split-string text "\n"))))

(bb-say "all Emacs checks passed in %.1fs" (- (float-time) bb-start))
(kill-emacs 0)
