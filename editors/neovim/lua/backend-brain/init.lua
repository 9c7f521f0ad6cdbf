-- backend-brain for Neovim: starts `backend-brain lsp` on TypeScript and JavaScript buffers, and
-- lists the routes and Socket.IO events of the backend in the quickfix list.
--
--   require('backend-brain').setup({
--     cmd = { 'backend-brain', 'lsp' },   -- or the full path of the binary
--     filetypes = { ... },                -- default: TypeScript and JavaScript (+ React)
--     root_markers = { ... },             -- default: backend-brain.toml, package.json, tsconfig.json, .git
--     on_attach = function(client, bufnr) end,
--     capabilities = nil,                 -- e.g. from a completion plugin
--   })
local M = {}

M.name = 'backend_brain'
M.inventory_request = 'backendBrain/inventory'
M.find_route_request = 'backendBrain/findRoute'
M.setup_done = false

local defaults = {
  cmd = { 'backend-brain', 'lsp' },
  filetypes = { 'typescript', 'javascript', 'typescriptreact', 'javascriptreact' },
  root_markers = { 'backend-brain.toml', 'package.json', 'tsconfig.json', 'jsconfig.json', '.git' },
  on_attach = nil,
  capabilities = nil,
  init_options = nil,
}

M.config = vim.deepcopy(defaults)

local has_011 = vim.fn.has('nvim-0.11') == 1

local function notify(msg, level)
  vim.notify('backend-brain: ' .. msg, level or vim.log.levels.INFO)
end

--- The running backend-brain clients (of a buffer, when given).
function M.clients(bufnr)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  return get({ name = M.name, bufnr = bufnr })
end

local function request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function lsp_config()
  return {
    cmd = M.config.cmd,
    filetypes = M.config.filetypes,
    root_markers = M.config.root_markers,
    on_attach = M.config.on_attach,
    capabilities = M.config.capabilities,
    init_options = M.config.init_options,
  }
end

local function binary_missing()
  local bin = M.config.cmd[1]
  if type(bin) == 'string' and vim.fn.executable(bin) == 0 then
    notify(
      ("'%s' not found: install backend-brain so that it is on PATH, or pass its full path with "
        .. "setup({ cmd = { '/path/to/backend-brain', 'lsp' } }). See :checkhealth backend-brain"):format(bin),
      vim.log.levels.ERROR
    )
    return true
  end
  return false
end

--- The fallback for Neovim 0.10: start (or reuse) a client for each matching buffer.
local function start_fallback(args)
  local bufnr = args.buf
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == '' then
    return
  end
  local root = vim.fs.root and vim.fs.root(bufnr, M.config.root_markers)
  if not root then
    local found = vim.fs.find(M.config.root_markers, { upward = true, path = vim.fs.dirname(fname) })[1]
    root = found and vim.fs.dirname(found) or vim.fs.dirname(fname)
  end
  local config = lsp_config()
  config.name = M.name
  config.root_dir = root
  config.root_markers = nil
  config.filetypes = nil
  vim.lsp.start(config, { bufnr = bufnr })
end

--- Asks a running client for the inventory (the CLI's JSON) and calls back with it.
function M.inventory(callback)
  local clients = M.clients()
  if #clients == 0 then
    notify('no running server: open a TypeScript or JavaScript file of the backend first', vim.log.levels.WARN)
    return
  end
  local client = clients[1]
  local params = {}
  if client.config.root_dir then
    params.uri = vim.uri_from_fname(client.config.root_dir)
  end
  request(client, M.inventory_request, params, function(err, result)
    if err then
      notify('inventory request failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    callback(result, client.config.root_dir or vim.fn.getcwd())
  end)
end

local function join(root, rel)
  if rel:sub(1, 1) == '/' then
    return rel
  end
  return root .. '/' .. rel
end

--- Quickfix items for the routes: at the registration, with the handler and auth in the text.
function M.route_items(inventory, root)
  local items = {}
  for _, r in ipairs(inventory.routes or {}) do
    local handler = (type(r.handler) == 'table' and r.handler.name) or '?'
    local auth = (r.auth ~= vim.NIL and r.auth) or 'no auth'
    table.insert(items, {
      filename = join(root, r.file),
      lnum = r.line,
      col = 1,
      text = ('%s %s -> %s [%s]'):format(r.method, r.path, handler, auth),
      user_data = r,
    })
  end
  return items
end

--- Quickfix items for the Socket.IO events: emits and listeners, listeners at their handler.
function M.event_items(inventory, root)
  local items = {}
  for _, e in ipairs(inventory.socket_events or {}) do
    local name = (e.name ~= vim.NIL and e.name) or (e.expression ~= vim.NIL and e.expression) or '(dynamic)'
    local handler = type(e.handler) == 'table' and e.handler.name ~= vim.NIL and e.handler.name or nil
    local ns = (e.namespace ~= vim.NIL and e.namespace ~= '/' and (' ' .. e.namespace)) or ''
    table.insert(items, {
      filename = join(root, e.file),
      lnum = e.line,
      col = 1,
      text = ('%s %s%s%s'):format(e.kind, name, ns, handler and (' -> ' .. handler) or ''),
      user_data = e,
    })
  end
  return items
end

local function show(title, items, pick)
  if pick then
    vim.ui.select(items, {
      prompt = title,
      format_item = function(item)
        return item.text
      end,
    }, function(choice)
      if not choice then
        return
      end
      local target = choice.user_data.handler
      local file, line = choice.filename, choice.lnum
      if type(target) == 'table' and target.file and target.file ~= vim.NIL and target.line ~= vim.NIL then
        -- The entry's filename is root .. '/' .. entry.file: the handler's file is under the same root.
        file = choice.filename:sub(1, #choice.filename - #choice.user_data.file) .. target.file
        line = target.line
      end
      vim.cmd.edit(vim.fn.fnameescape(file))
      vim.api.nvim_win_set_cursor(0, { line, 0 })
    end)
    return
  end
  vim.fn.setqflist({}, ' ', { title = title, items = items })
  vim.cmd('botright copen')
end

--- :BackendBrainRoutes — the routes in the quickfix list (with !: a picker that jumps to the handler).
function M.routes(opts)
  opts = opts or {}
  M.inventory(function(inventory, root)
    show('backend-brain routes', M.route_items(inventory, root), opts.pick)
    if opts.on_done then
      opts.on_done()
    end
  end)
end

--- :BackendBrainEvents — the Socket.IO events in the quickfix list (with !: a picker).
function M.events(opts)
  opts = opts or {}
  M.inventory(function(inventory, root)
    show('backend-brain socket events', M.event_items(inventory, root), opts.pick)
    if opts.on_done then
      opts.on_done()
    end
  end)
end

--- Quickfix items for `backendBrain/findRoute` matches: at the handler (else the registration).
function M.match_items(matches)
  local items = {}
  for _, m in ipairs(matches or {}) do
    local loc = (type(m.handlerLocation) == 'table' and m.handlerLocation)
      or (type(m.location) == 'table' and m.location)
    if loc then
      local params = {}
      for k, v in pairs(type(m.params) == 'table' and m.params or {}) do
        table.insert(params, k .. '=' .. tostring(v))
      end
      table.sort(params)
      table.insert(items, {
        filename = vim.uri_to_fname(loc.uri),
        lnum = loc.range.start.line + 1,
        col = loc.range.start.character + 1,
        text = m.label .. (#params > 0 and (' (' .. table.concat(params, ', ') .. ')') or ''),
        user_data = m,
      })
    end
  end
  return items
end

--- :BackendBrainFind {url} — the routes serving a URL in the quickfix list; jumps to the first handler.
--- opts: { method = 'GET' (optional), on_done = function(items) end }
function M.find(url, opts)
  opts = opts or {}
  if not url or vim.trim(url) == '' then
    notify('usage: :BackendBrainFind [METHOD] {url}', vim.log.levels.WARN)
    return
  end
  local clients = M.clients()
  if #clients == 0 then
    notify('no running server: open a TypeScript or JavaScript file of the backend first', vim.log.levels.WARN)
    return
  end
  local client = clients[1]
  local params = { url = vim.trim(url), method = opts.method }
  -- The current file picks its project; without it, the server searches all of them.
  local cur = vim.api.nvim_get_current_buf()
  if #M.clients(cur) > 0 and vim.api.nvim_buf_get_name(cur) ~= '' then
    params.uri = vim.uri_from_bufnr(cur)
  end
  request(client, M.find_route_request, params, function(err, result)
    if err then
      notify('findRoute request failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    local items = M.match_items(result)
    if #items == 0 then
      notify('no route matches ' .. params.url, vim.log.levels.WARN)
    else
      vim.fn.setqflist({}, ' ', { title = 'backend-brain: ' .. params.url, items = items })
      vim.cmd('cfirst')
    end
    if opts.on_done then
      opts.on_done(items)
    end
  end)
end

--- The root of the backend: the running client's root, else the current directory.
function M.root()
  local clients = M.clients()
  return (clients[1] and clients[1].config.root_dir) or vim.fn.getcwd()
end

--- :BackendBrainGenerate [root] — runs `backend-brain generate <root>`, which writes BACKEND_BRAIN.md.
--- opts: { root = '...', on_done = function(result) end } (result: vim.system's SystemCompleted)
function M.generate(opts)
  opts = opts or {}
  local bin = M.config.cmd[1]
  if binary_missing() then
    return
  end
  local root = opts.root or M.root()
  vim.system({ bin, 'generate', '--color', 'never', root }, { text = true }, vim.schedule_wrap(function(res)
    if res.code == 0 then
      -- The summary is on stderr (stdout stays free for `-o -`).
      local out = vim.trim((res.stderr or '') .. '\n' .. (res.stdout or ''))
      notify(out ~= '' and out or ('wrote ' .. root .. '/BACKEND_BRAIN.md'))
    else
      notify(('generate failed (exit %d): %s'):format(res.code, vim.trim(res.stderr or '')), vim.log.levels.ERROR)
    end
    if opts.on_done then
      opts.on_done(res)
    end
  end))
end

function M.setup(opts)
  opts = opts or {}
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts)
  -- Lists replace the defaults instead of merging with them index by index.
  for _, key in ipairs({ 'cmd', 'filetypes', 'root_markers' }) do
    if opts[key] then
      M.config[key] = opts[key]
    end
  end
  if type(M.config.cmd) == 'string' then
    M.config.cmd = { M.config.cmd, 'lsp' }
  end
  binary_missing()

  if has_011 and vim.lsp.config and vim.lsp.enable then
    vim.lsp.config(M.name, lsp_config())
    vim.lsp.enable(M.name)
  else
    local group = vim.api.nvim_create_augroup('backend_brain', { clear = true })
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = M.config.filetypes,
      callback = start_fallback,
    })
    -- Buffers already open when setup() runs.
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
        start_fallback({ buf = buf })
      end
    end
  end

  vim.api.nvim_create_user_command('BackendBrainRoutes', function(c)
    M.routes({ pick = c.bang })
  end, { bang = true, desc = 'backend-brain: routes in the quickfix list (!: pick one and jump to its handler)' })
  vim.api.nvim_create_user_command('BackendBrainEvents', function(c)
    M.events({ pick = c.bang })
  end, { bang = true, desc = 'backend-brain: Socket.IO events in the quickfix list (!: pick one)' })
  vim.api.nvim_create_user_command('BackendBrainFind', function(c)
    local args = c.fargs
    local method
    if #args > 1 then
      method = args[1]:upper()
      args = vim.list_slice(args, 2)
    end
    M.find(table.concat(args, ' '), { method = method })
  end, { nargs = '+', desc = 'backend-brain: the routes serving a URL in the quickfix list, jump to the first handler' })
  vim.api.nvim_create_user_command('BackendBrainGenerate', function(c)
    M.generate({ root = c.args ~= '' and vim.fn.fnamemodify(c.args, ':p') or nil })
  end, { nargs = '?', complete = 'dir', desc = 'backend-brain: write BACKEND_BRAIN.md at the root of the backend' })
  M.setup_done = true
end

return M
