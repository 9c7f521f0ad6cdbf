// The Backend Brain extension: starts `backend-brain lsp`, shows the inventory in its own view and
// the route counts in the status bar.
import * as vscode from 'vscode';
import {
  CodeAction,
  CodeActionKind,
  CodeActionRequest,
  Command,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { Inventory, InventoryView } from './inventory';
import { resolveServer } from './server';

const INVENTORY_REQUEST = 'backendBrain/inventory';
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

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
