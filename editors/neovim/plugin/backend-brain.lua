-- Commands are defined by require('backend-brain').setup(); nothing starts before it is called.
if vim.g.loaded_backend_brain then
  return
end
vim.g.loaded_backend_brain = true
