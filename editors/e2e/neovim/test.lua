-- End-to-end test of editors/neovim in a real (headless) Neovim, on a copy of fixtures/showcase.
-- Run: nvim --headless --clean -l test.lua  with BB_PLUGIN (the plugin folder), BB_BIN (the
-- server binary) and BB_WS (the workspace copy) in the environment. Exits 0 when every check
-- passes, 1 on the first failure, 3 when the watchdog fires.
local plugin, bin, ws = os.getenv('BB_PLUGIN'), os.getenv('BB_BIN'), os.getenv('BB_WS')
assert(plugin and bin and ws, 'BB_PLUGIN, BB_BIN and BB_WS must be set')

local started = vim.uv.hrtime()
local function elapsed()
  return ('%.1fs'):format((vim.uv.hrtime() - started) / 1e9)
end
local function say(msg)
  io.stdout:write(msg .. '\n')
  io.stdout:flush()
end
local function fail(msg)
  say('FAIL: ' .. msg)
  os.exit(1)
end

vim.defer_fn(function()
  say('FAIL: watchdog: the test did not finish within 90s')
  os.exit(3)
end, 90000)

local function check(name, fn)
  local t = vim.uv.hrtime()
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    fail(name .. ': ' .. tostring(err))
  end
  say(('ok   %s (%.2fs)'):format(name, (vim.uv.hrtime() - t) / 1e9))
end

local function wait_for(what, ms, cond)
  if not vim.wait(ms, cond, 20) then
    error('timed out after ' .. ms .. 'ms waiting for ' .. what, 2)
  end
end

local function find_line(bufnr, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i, col - 1
    end
  end
  error('no line contains ' .. needle, 2)
end

local function open(rel)
  vim.cmd.edit(vim.fn.fnameescape(ws .. '/' .. rel))
  local buf = vim.api.nvim_get_current_buf()
  if vim.bo[buf].filetype == '' then
    vim.bo[buf].filetype = 'typescript'
  end
  return buf
end

local function undocumented(bufnr)
  return vim.tbl_filter(function(d)
    return d.code == 'undocumented-route'
  end, vim.diagnostic.get(bufnr))
end

vim.opt.rtp:prepend(plugin)
vim.cmd('filetype on')
vim.o.swapfile = false
local bb = require('backend-brain')
local ROUTES_FILE = 'src/routes/admin.ts'
local buf, client, inventory

check('setup() attaches the server', function()
  bb.setup({ cmd = { bin, 'lsp' } })
  buf = open(ROUTES_FILE)
  wait_for('a backend-brain client on ' .. ROUTES_FILE, 10000, function()
    return #bb.clients(buf) > 0
  end)
  client = bb.clients(buf)[1]
  assert(client.config.root_dir == ws, 'root_dir is ' .. tostring(client.config.root_dir) .. ', not ' .. ws)
end)

check('backendBrain/inventory answers once the backend is indexed', function()
  -- The server indexes the workspace in the background: ask until the answer stops growing.
  local last = -1
  wait_for('the full inventory', 20000, function()
    local res = vim.lsp.buf_request_sync(buf, 'backendBrain/inventory', { uri = vim.uri_from_fname(ws) }, 10000)
    local answer = res and res[client.id]
    assert(answer and answer.result, 'no answer: ' .. vim.inspect(res))
    local n = #answer.result.routes
    local stable = n == last and n > 10
    last, inventory = n, answer.result
    if not stable then
      vim.wait(200)
    end
    return stable
  end)
  say(('     %d routes, %d socket events'):format(#inventory.routes, #inventory.socket_events))
end)

local route -- GET /api/v1/admin/stats, registered in ROUTES_FILE
for _, r in ipairs(inventory.routes) do
  if r.file == ROUTES_FILE and r.path == '/api/v1/admin/stats' and r.method == 'GET' then
    route = r
  end
end
if not route then
  fail('the inventory has no GET /api/v1/admin/stats in ' .. ROUTES_FILE)
end
local route_line, get_col = find_line(buf, "router.get('/stats'")
get_col = get_col + #'router.'

check('an undocumented-route diagnostic appears', function()
  wait_for('undocumented-route diagnostics in ' .. ROUTES_FILE, 15000, function()
    return #undocumented(buf) > 0
  end)
  local on_line = vim.tbl_filter(function(d)
    return d.lnum == route_line - 1
  end, undocumented(buf))
  assert(#on_line == 1, 'no undocumented-route diagnostic on line ' .. route_line .. ': '
    .. vim.inspect(undocumented(buf)))
  say('     ' .. on_line[1].message)
end)

local function float_text()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      local b = vim.api.nvim_win_get_buf(win)
      return table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n'), win
    end
  end
end

check('hover on a route shows its full path and handler', function()
  vim.api.nvim_win_set_cursor(0, { route_line, get_col })
  vim.lsp.buf.hover()
  wait_for('the hover window', 10000, function()
    return float_text() ~= nil
  end)
  local text, win = float_text()
  assert(text:find('/api/v1/admin/stats', 1, true), 'hover lacks the full path:\n' .. text)
  assert(text:find('getDashboardStats', 1, true), 'hover lacks the handler:\n' .. text)
  vim.api.nvim_win_close(win, true)
end)

check('go to definition on a route lands on the handler', function()
  vim.api.nvim_set_current_buf(buf)
  vim.api.nvim_win_set_cursor(0, { route_line, get_col })
  vim.lsp.buf.definition()
  local want = ws .. '/' .. route.handler.file
  wait_for(('%s:%d'):format(route.handler.file, route.handler.line), 10000, function()
    return vim.api.nvim_buf_get_name(0) == want and vim.api.nvim_win_get_cursor(0)[1] == route.handler.line
  end)
end)

check('go to definition on a socket event name lands on its handler', function()
  -- An emit whose event has a listener with a known handler.
  local handlers = {}
  for _, e in ipairs(inventory.socket_events) do
    if e.kind == 'on' and e.name ~= vim.NIL and type(e.handler) == 'table' and e.handler.file ~= vim.NIL
      and e.handler.line ~= vim.NIL then
      handlers[e.name] = handlers[e.name] or {}
      table.insert(handlers[e.name], e.handler)
    end
  end
  local emit
  for _, e in ipairs(inventory.socket_events) do
    if e.kind == 'emit' and e.name ~= vim.NIL and handlers[e.name] and #handlers[e.name] == 1 then
      emit = e
      break
    end
  end
  assert(emit, 'no emitted event with exactly one listener that has a handler')
  local target = handlers[emit.name][1]
  local b = open(emit.file)
  local line = vim.api.nvim_buf_get_lines(b, emit.line - 1, emit.line, false)[1]
  local at = line:find('emit(', 1, true)
  assert(at, ('%s:%d has no emit(: %s'):format(emit.file, emit.line, line))
  local col = at + #'emit(' - 1
  while line:sub(col + 1, col + 1) == ' ' do
    col = col + 1
  end
  say(('     %s at %s:%d -> %s:%d'):format(emit.name, emit.file, emit.line, target.file, target.line))
  wait_for('the client to attach to ' .. emit.file, 10000, function()
    return #bb.clients(b) > 0
  end)
  vim.api.nvim_win_set_cursor(0, { emit.line, col })
  vim.lsp.buf.definition()
  local want = ws .. '/' .. target.file
  wait_for(('%s:%d'):format(target.file, target.line), 10000, function()
    return vim.api.nvim_buf_get_name(0) == want and vim.api.nvim_win_get_cursor(0)[1] == target.line
  end)
end)

check('the doc-stub code action inserts the stub; the diagnostic clears once it has a summary', function()
  vim.api.nvim_set_current_buf(buf)
  vim.api.nvim_win_set_cursor(0, { route_line, get_col })
  local before = #undocumented(buf)
  local chosen
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(a)
      if a.title:find('JSDoc stub for', 1, true) then
        chosen = a.title
        return true
      end
      return false
    end,
  })
  local count = vim.api.nvim_buf_line_count(buf)
  wait_for('a JSDoc stub above the route', 10000, function()
    if vim.api.nvim_buf_line_count(buf) <= count then
      return false
    end
    local l = find_line(buf, "router.get('/stats'")
    return (vim.api.nvim_buf_get_lines(buf, l - 2, l - 1, false)[1] or ''):find('*/', 1, true) ~= nil
  end)
  say('     applied: ' .. tostring(chosen))
  local new_line = find_line(buf, "router.get('/stats'")
  local stub = vim.api.nvim_buf_get_lines(buf, route_line - 1, new_line - 1, false)
  say('     ' .. table.concat(stub, '\n     '))
  local function on_route()
    local l = find_line(buf, "router.get('/stats'")
    return vim.tbl_filter(function(d)
      return d.lnum == l - 1
    end, undocumented(buf))
  end
  -- The stub's first line is a TODO: the server now asks for a summary instead.
  wait_for('the diagnostic to ask for a summary', 10000, function()
    local ds = on_route()
    return #ds == 1 and ds[1].message:find('without a summary', 1, true) ~= nil
  end)
  say('     ' .. on_route()[1].message)
  -- Write the summary, as a user would; the diagnostic clears.
  local todo = find_line(buf, 'TODO: summary.')
  local text = vim.api.nvim_buf_get_lines(buf, todo - 1, todo, false)[1]
  local from = text:find('TODO: summary.', 1, true) - 1
  vim.api.nvim_buf_set_text(buf, todo - 1, from, todo - 1, from + #'TODO: summary.', { 'Dashboard counters.' })
  wait_for('the diagnostic on the documented route to clear', 10000, function()
    return #on_route() == 0 and #undocumented(buf) == before - 1
  end)
end)

check(':BackendBrainRoutes fills the quickfix list', function()
  local done = false
  bb.routes({ on_done = function() done = true end })
  wait_for('the quickfix list', 10000, function()
    return done
  end)
  local qf = vim.fn.getqflist()
  assert(#qf == #inventory.routes, ('%d quickfix entries for %d routes'):format(#qf, #inventory.routes))
  local found = false
  for _, item in ipairs(qf) do
    if item.text:find('GET /api/v1/admin/stats -> getDashboardStats', 1, true) then
      found = vim.api.nvim_buf_get_name(item.bufnr) == ws .. '/' .. ROUTES_FILE
    end
  end
  assert(found, 'no quickfix entry for GET /api/v1/admin/stats in ' .. ROUTES_FILE)
  vim.cmd('BackendBrainEvents')
  wait_for(':BackendBrainEvents', 10000, function()
    return #vim.fn.getqflist() == #inventory.socket_events
  end)
end)

check(':BackendBrainFind puts the handler of the matching route in the quickfix list', function()
  -- GET /api/v1/orders/:id, registered in src/routes/orders.ts, handled by OrderController.get.
  local want
  for _, r in ipairs(inventory.routes) do
    if r.method == 'GET' and r.path == '/api/v1/orders/:id' then
      want = r
    end
  end
  assert(want and type(want.handler) == 'table', 'the inventory has no GET /api/v1/orders/:id with a handler')
  assert(want.handler.file == 'src/controllers/order.controller.ts' and want.handler.line == 23,
    'unexpected handler in the inventory: ' .. vim.inspect(want.handler))
  local done
  local orig = bb.find
  bb.find = function(url, opts)
    opts = opts or {}
    opts.on_done = function(items)
      done = items
    end
    return orig(url, opts)
  end
  vim.cmd('BackendBrainFind /api/v1/orders/42')
  bb.find = orig
  wait_for('the findRoute answer', 10000, function()
    return done ~= nil
  end)
  local qf = vim.fn.getqflist()
  assert(#qf >= 1, 'empty quickfix list')
  local first = qf[1]
  local file = vim.api.nvim_buf_get_name(first.bufnr)
  assert(file == ws .. '/src/controllers/order.controller.ts' and first.lnum == 23,
    ('first entry is %s:%d (%s)'):format(file, first.lnum, first.text))
  assert(first.text:find('GET /api/v1/orders/:id', 1, true), 'entry text: ' .. first.text)
  say(('     %s:%d  %s'):format(file:sub(#ws + 2), first.lnum, first.text))
  wait_for('the jump to the handler', 5000, function()
    return vim.api.nvim_buf_get_name(0) == file and vim.api.nvim_win_get_cursor(0)[1] == 23
  end)
end)

check(':BackendBrainGenerate writes BACKEND_BRAIN.md', function()
  local doc = ws .. '/BACKEND_BRAIN.md'
  os.remove(doc)
  local done
  local orig = bb.generate
  bb.generate = function(opts)
    opts = opts or {}
    opts.on_done = function(res)
      done = res
    end
    return orig(opts)
  end
  vim.cmd('BackendBrainGenerate')
  bb.generate = orig
  wait_for('backend-brain generate', 30000, function()
    return done ~= nil
  end)
  assert(done.code == 0, 'generate failed: ' .. tostring(done.stderr))
  assert(vim.uv.fs_stat(doc), 'no ' .. doc)
  local text = table.concat(vim.fn.readfile(doc), '\n')
  assert(text:find('/api/v1/orders/:id', 1, true), 'BACKEND_BRAIN.md lacks /api/v1/orders/:id')
end)

check(':checkhealth backend-brain finds the binary and its version', function()
  vim.cmd('silent checkhealth backend-brain')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  assert(text:find('binary: ' .. bin, 1, true), 'no binary in the health report:\n' .. text)
  assert(text:find('version: backend%-brain %d'), 'no version in the health report:\n' .. text)
  vim.cmd('bwipeout!')
end)

say('all Neovim checks passed in ' .. elapsed())
os.exit(0)
