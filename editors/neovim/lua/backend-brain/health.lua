-- :checkhealth backend-brain
local M = {}

function M.check()
  local health = vim.health
  health.start('backend-brain')
  local bb = require('backend-brain')
  if vim.fn.has('nvim-0.10') == 0 then
    health.error('Neovim 0.10 or newer is required')
  elseif vim.fn.has('nvim-0.11') == 0 then
    health.warn('Neovim 0.10: using the vim.lsp.start fallback (0.11+ uses vim.lsp.config/enable)')
  else
    health.ok('Neovim ' .. tostring(vim.version()))
  end
  local cmd = bb.config.cmd[1]
  local path = vim.fn.exepath(cmd)
  if path == '' then
    health.error(('binary not found: %s'):format(cmd), {
      'Install backend-brain so that it is on PATH (cargo install --path server, from the repository)',
      "or pass its full path: require('backend-brain').setup({ cmd = { '/path/to/backend-brain', 'lsp' } })",
    })
    return
  end
  health.ok(('binary: %s'):format(path))
  local out = vim.fn.system({ path, '--version' })
  if vim.v.shell_error ~= 0 then
    health.error(('`%s --version` failed: %s'):format(path, vim.trim(out)))
  else
    health.ok(('version: %s'):format(vim.trim(out)))
  end
  if bb.setup_done then
    health.ok('setup() was called; filetypes: ' .. table.concat(bb.config.filetypes, ', '))
  else
    health.warn("setup() was not called: add require('backend-brain').setup() to your config")
  end
  local clients = bb.clients()
  if #clients > 0 then
    for _, c in ipairs(clients) do
      health.ok(('running: client %d, root %s'):format(c.id, c.config.root_dir or '?'))
    end
  else
    health.info('no backend-brain client is running (open a TypeScript or JavaScript file)')
  end
end

return M
