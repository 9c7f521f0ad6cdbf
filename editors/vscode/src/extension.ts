// The Backend Brain extension: starts `backend-brain lsp`, shows the inventory in its own view and
// the route counts in the status bar.
import { execFile } from 'child_process';
import * as vscode from 'vscode';
import {
  CodeAction,
  CodeActionKind,
  CodeActionRequest,
  Command,
  LanguageClient,
  Location,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { Inventory, InventoryView } from './inventory';
import { resolveServer } from './server';

const INVENTORY_REQUEST = 'backendBrain/inventory';
const FIND_ROUTE_REQUEST = 'backendBrain/findRoute';

/** One answer of `backendBrain/findRoute`: a route serving the URL, best first. */
interface FoundRoute {
  label: string;
  method: string;
  path: string;
  params: Record<string, string>;
  location: Location | null;
  handlerLocation: Location | null;
}
const LANGUAGES = ['typescript', 'javascript', 'typescriptreact', 'javascriptreact'];
const DOCUMENT_ALL_TITLE = /every undocumented route/i;

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Backend Brain', { log: true });
  const view = new InventoryView();
  const tree = vscode.window.createTreeView('backendBrain.inventory', {
    treeDataProvider: view,
    showCollapseAll: true,
  });
  const status = vscode.window.createStatusBarItem('backendBrain.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Backend Brain';
  status.command = 'workbench.view.extension.backendBrain';
  status.text = '$(sync~spin) Backend Brain';
  status.tooltip = 'Backend Brain: indexing';
  status.show();
  context.subscriptions.push(output, tree, status);

  const updateStatus = (): void => {
    const counts = view.counts();
    if (!counts) {
      return;
    }
    status.text = `$(globe) ${counts.routes} routes` + (counts.undocumented ? ` $(warning) ${counts.undocumented}` : '');
    status.tooltip =
      `Backend Brain: ${counts.routes} routes, ${counts.undocumented} undocumented.` +
      ' Click to open the Backend Brain view.';
    tree.description = `${counts.routes} routes` + (counts.undocumented ? ` · ${counts.undocumented} undocumented` : '');
  };

  let refreshing: Promise<void> | undefined;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (!client || client.state !== State.Running || !folder) {
          break;
        }
        try {
          const inventory = await client.sendRequest<Inventory>(INVENTORY_REQUEST, {
            uri: folder.uri.toString(),
          });
          view.setInventory(folder.uri, inventory);
          updateStatus();
        } catch (e) {
          // The view keeps the last inventory; the next change asks again.
          output.appendLine(`backendBrain/inventory failed: ${String(e)}`);
        }
      } while (again);
    })();
    try {
      await refreshing;
    } finally {
      refreshing = undefined;
    }
  };

  // The server republishes diagnostics whenever its inventory changes: re-request then.
  let timer: NodeJS.Timeout | undefined;
  const refreshSoon = (): void => {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      void refresh();
    }, 300);
  };
  context.subscriptions.push(
    vscode.languages.onDidChangeDiagnostics(refreshSoon),
    vscode.workspace.onDidSaveTextDocument(refreshSoon),
    { dispose: () => timer && clearTimeout(timer) },
  );

  const start = async (): Promise<void> => {
    const setting = vscode.workspace.getConfiguration('backendBrain').get<string>('serverPath', '');
    const server = resolveServer(setting, context.extensionPath);
    if (!server.command) {
      const message =
        `Backend Brain: cannot find the backend-brain binary (${server.origin}). ` +
        'Install it (cargo install --path server, from the backend-brain repository) so that it is on PATH, ' +
        'or set "backendBrain.serverPath" to its full path.';
      output.appendLine(message);
      status.text = '$(error) Backend Brain';
      status.tooltip = message;
      view.setError('backend-brain binary not found: set backendBrain.serverPath');
      const choice = await vscode.window.showErrorMessage(message, 'Open Settings');
      if (choice === 'Open Settings') {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'backendBrain.serverPath');
      }
      return;
    }
    output.appendLine(`Starting ${server.command} lsp (from ${server.origin})`);
    const serverOptions: ServerOptions = {
      command: server.command,
      args: ['lsp'],
      transport: TransportKind.stdio,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
      outputChannel: output,
      progressOnInitialization: true,
    };
    client = new LanguageClient('backendBrain', 'Backend Brain', serverOptions, clientOptions);
    context.subscriptions.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          refreshSoon();
        } else if (e.newState === State.Stopped) {
          status.text = '$(debug-disconnect) Backend Brain';
          status.tooltip = 'Backend Brain: the language server stopped. Run "Backend Brain: Restart Server".';
          view.setError('The language server stopped: run "Backend Brain: Restart Server"');
        }
      }),
    );
    try {
      await client.start();
    } catch (e) {
      const message = `Backend Brain: the language server (${server.command}) failed to start: ${String(e)}`;
      output.appendLine(message);
      void vscode.window.showErrorMessage(message);
      return;
    }
    await refresh();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('backendBrain.refresh', refresh),
    vscode.commands.registerCommand('backendBrain.restart', async () => {
      if (client) {
        const old = client;
        client = undefined;
        await old.stop().catch(() => undefined);
      }
      await start();
    }),
    vscode.commands.registerCommand('backendBrain.openLocation', async (file: string, line: number) => {
      const uri = view.uri(file);
      if (!uri) {
        return;
      }
      const position = new vscode.Position(Math.max(0, line - 1), 0);
      const editor = await vscode.window.showTextDocument(uri, {
        selection: new vscode.Range(position, position),
        preview: false,
      });
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }),
    vscode.commands.registerCommand('backendBrain.documentFile', () => documentFile()),
    vscode.commands.registerCommand('backendBrain.findRoute', (url?: string) => findRoute(url)),
    vscode.commands.registerCommand('backendBrain.generate', () => generate(context.extensionPath, output)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('backendBrain.serverPath')) {
        await vscode.commands.executeCommand('backendBrain.restart');
      }
    }),
  );

  await start();
}

/** Runs the server's source action that adds a doc stub to every undocumented route of the file. */
async function documentFile(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client) {
    void vscode.window.showInformationMessage('Backend Brain: open a TypeScript or JavaScript file first.');
    return;
  }
  const document = editor.document;
  const c2p = client.code2ProtocolConverter;
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  const response = await client.sendRequest(CodeActionRequest.type, {
    textDocument: c2p.asTextDocumentIdentifier(document),
    range: c2p.asRange(whole),
    context: { diagnostics: [], only: [CodeActionKind.Source] },
  });
  const action = (response ?? []).find(
    (a): a is CodeAction => !Command.is(a) && DOCUMENT_ALL_TITLE.test(a.title) && a.edit !== undefined,
  );
  if (!action?.edit) {
    void vscode.window.showInformationMessage('Backend Brain: every route of this file is documented.');
    return;
  }
  const edit = await client.protocol2CodeConverter.asWorkspaceEdit(action.edit);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage('Backend Brain: the edit could not be applied (the file changed meanwhile?).');
  }
}

/** Asks for a URL, lists the routes serving it and opens the chosen one's handler. */
async function findRoute(given?: string): Promise<void> {
  if (!client || client.state !== State.Running) {
    void vscode.window.showInformationMessage('Backend Brain: the language server is not running.');
    return;
  }
  const input =
    typeof given === 'string'
      ? given
      : await vscode.window.showInputBox({
          title: 'Backend Brain: Show Route for URL',
          prompt: 'A URL or path, optionally after a method: GET /api/v1/orders/42',
          placeHolder: '/api/v1/orders/42',
          ignoreFocusOut: true,
        });
  const text = input?.trim();
  if (!text) {
    return;
  }
  let url = text;
  let method: string | undefined;
  const split = /^([A-Za-z]+)\s+(\S.*)$/.exec(text);
  if (split?.[1] && split[2]) {
    method = split[1].toUpperCase();
    url = split[2].trim();
  }
  const uri = vscode.window.activeTextEditor?.document.uri;
  let found: FoundRoute[];
  try {
    found =
      (await client.sendRequest<FoundRoute[] | null>(FIND_ROUTE_REQUEST, {
        url,
        method,
        uri: uri?.scheme === 'file' ? uri.toString() : undefined,
      })) ?? [];
  } catch (e) {
    void vscode.window.showErrorMessage(`Backend Brain: ${String(e instanceof Error ? e.message : e)}`);
    return;
  }
  if (found.length === 0) {
    void vscode.window.showInformationMessage(`Backend Brain: no route matches ${text}.`);
    return;
  }
  const p2c = client.protocol2CodeConverter;
  const items = found.map((route) => {
    const target = route.handlerLocation ?? route.location;
    const params = Object.entries(route.params ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const where = target ? vscode.workspace.asRelativePath(p2c.asUri(target.uri)) : 'location unknown';
    return {
      label: route.label,
      description: params,
      detail: `${route.handlerLocation ? 'handler' : 'registration'}: ${where}:${(target?.range.start.line ?? 0) + 1}`,
      target,
    };
  });
  const chosen =
    items.length === 1
      ? items[0]
      : await vscode.window.showQuickPick(items, {
          title: `Backend Brain: routes serving ${text}`,
          matchOnDescription: true,
          matchOnDetail: true,
        });
  if (!chosen?.target) {
    return;
  }
  // The cursor at the start of the handler (its range may span the whole function).
  const start = p2c.asPosition(chosen.target.range.start);
  const editor = await vscode.window.showTextDocument(p2c.asUri(chosen.target.uri), {
    selection: new vscode.Range(start, start),
    preview: false,
  });
  editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** Runs `backend-brain generate <workspace folder>`, which writes BACKEND_BRAIN.md there. */
async function generate(extensionPath: string, output: vscode.LogOutputChannel): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const folder =
    folders.length > 1
      ? await vscode.window.showWorkspaceFolderPick({ placeHolder: 'The backend to document' })
      : folders[0];
  if (!folder) {
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('Backend Brain: open the folder of a backend first.');
    }
    return;
  }
  const setting = vscode.workspace.getConfiguration('backendBrain').get<string>('serverPath', '');
  const server = resolveServer(setting, extensionPath);
  if (!server.command) {
    void vscode.window.showErrorMessage(
      `Backend Brain: cannot find the backend-brain binary (${server.origin}). Set "backendBrain.serverPath".`,
    );
    return;
  }
  const command = server.command;
  const root = folder.uri.fsPath;
  const args = ['generate', '--color', 'never', root];
  output.appendLine(`Running ${command} ${args.join(' ')}`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Backend Brain: generating BACKEND_BRAIN.md' },
    () =>
      new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) => {
        execFile(command, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
          resolve({ error, stdout, stderr }),
        );
      }),
  );
  // The summary is on stderr.
  const summary = `${result.stderr}\n${result.stdout}`.trim();
  if (summary) {
    output.appendLine(summary);
  }
  if (result.error) {
    const choice = await vscode.window.showErrorMessage(
      `Backend Brain: generate failed: ${summary || result.error.message}`,
      'Show Output',
    );
    if (choice === 'Show Output') {
      output.show(true);
    }
    return;
  }
  const doc = vscode.Uri.joinPath(folder.uri, 'BACKEND_BRAIN.md');
  const choice = await vscode.window.showInformationMessage(
    `Backend Brain: ${summary.split('\n').pop() || 'wrote BACKEND_BRAIN.md'}`,
    'Open',
  );
  if (choice === 'Open') {
    await vscode.window.showTextDocument(doc, { preview: false });
  }
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
