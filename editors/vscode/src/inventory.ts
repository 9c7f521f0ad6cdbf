// The "Backend Brain" view: routes grouped by file and Socket.IO events grouped by name, from the
// server's backendBrain/inventory request, with undocumented routes marked from the diagnostics.
import * as path from 'path';
import * as vscode from 'vscode';

export interface Location {
  name?: string | null;
  file?: string | null;
  line?: number | null;
}

export interface Route {
  method: string;
  path: string;
  file: string;
  line: number;
  handler: Location | null;
  middleware: string[];
  auth: string | null;
  rate_limit: string | null;
  dynamic: boolean;
}

export interface SocketEvent {
  name: string | null;
  kind: string;
  namespace: string | null;
  file: string;
  line: number;
  handler: Location | null;
  payload: string[] | null;
  dynamic: boolean;
  side: string | null;
  expression: string | null;
}

export interface Inventory {
  routes: Route[];
  socket_events: SocketEvent[];
}

export const UNDOCUMENTED = 'undocumented-route';

type Node =
  | { kind: 'section'; id: 'routes' | 'events'; label: string; description: string }
  | { kind: 'file'; file: string; routes: Route[]; undocumented: number }
  | { kind: 'route'; route: Route; undocumented: boolean }
  | { kind: 'event'; name: string; sites: SocketEvent[] }
  | { kind: 'site'; event: SocketEvent }
  | { kind: 'message'; label: string };

function codeOf(d: vscode.Diagnostic): string | undefined {
  const code = d.code;
  if (code === undefined) {
    return undefined;
  }
  if (typeof code === 'string' || typeof code === 'number') {
    return String(code);
  }
  return String(code.value);
}

export class InventoryView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private inventory: Inventory | undefined;
  private root: vscode.Uri | undefined;
  private error: string | undefined;

  setInventory(root: vscode.Uri, inventory: Inventory): void {
    this.root = root;
    this.inventory = inventory;
    this.error = undefined;
    this.changed.fire(undefined);
  }

  /** Shows the message instead of an inventory that is no longer current. */
  setError(message: string): void {
    this.error = message;
    this.inventory = undefined;
    this.changed.fire(undefined);
  }

  /** Redraws the undocumented markers after the diagnostics changed. */
  redraw(): void {
    this.changed.fire(undefined);
  }

  uri(rel: string): vscode.Uri | undefined {
    return this.root ? vscode.Uri.joinPath(this.root, ...rel.split('/')) : undefined;
  }

  /** The lines (0-based) of the undocumented-route diagnostics of a file. */
  private undocumentedLines(rel: string): Set<number> {
    const uri = this.uri(rel);
    const lines = new Set<number>();
    if (!uri) {
      return lines;
    }
    for (const d of vscode.languages.getDiagnostics(uri)) {
      if (codeOf(d) === UNDOCUMENTED) {
        lines.add(d.range.start.line);
      }
    }
    return lines;
  }

  isUndocumented(route: Route, lines?: Set<number>): boolean {
    return (lines ?? this.undocumentedLines(route.file)).has(route.line - 1);
  }

  counts(): { routes: number; undocumented: number } | undefined {
    if (!this.inventory) {
      return undefined;
    }
    let undocumented = 0;
    const byFile = new Map<string, Set<number>>();
    for (const r of this.inventory.routes) {
      let lines = byFile.get(r.file);
      if (!lines) {
        lines = this.undocumentedLines(r.file);
        byFile.set(r.file, lines);
      }
      if (this.isUndocumented(r, lines)) {
        undocumented++;
      }
    }
    return { routes: this.inventory.routes.length, undocumented };
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      if (this.error) {
        return [{ kind: 'message', label: this.error }];
      }
      if (!this.inventory) {
        return [];
      }
      const counts = this.counts();
      const events = new Set(this.inventory.socket_events.map((e) => e.name ?? e.expression ?? '?'));
      return [
        {
          kind: 'section',
          id: 'routes',
          label: 'Routes',
          description:
            `${counts?.routes ?? 0}` + (counts?.undocumented ? ` · ${counts.undocumented} undocumented` : ''),
        },
        { kind: 'section', id: 'events', label: 'Socket events', description: `${events.size}` },
      ];
    }
    const inventory = this.inventory;
    if (!inventory) {
      return [];
    }
    switch (node.kind) {
      case 'section':
        return node.id === 'routes' ? this.files(inventory) : this.events(inventory);
      case 'file': {
        const lines = this.undocumentedLines(node.file);
        return node.routes.map((route) => ({
          kind: 'route' as const,
          route,
          undocumented: this.isUndocumented(route, lines),
        }));
      }
      case 'event':
        return node.sites.map((event) => ({ kind: 'site' as const, event }));
      default:
        return [];
    }
  }

  private files(inventory: Inventory): Node[] {
    const byFile = new Map<string, Route[]>();
    for (const r of inventory.routes) {
      const list = byFile.get(r.file) ?? [];
      list.push(r);
      byFile.set(r.file, list);
    }
    return [...byFile.keys()].sort().map((file) => {
      const routes = (byFile.get(file) ?? []).sort((a, b) => a.line - b.line);
      const lines = this.undocumentedLines(file);
      const undocumented = routes.filter((r) => this.isUndocumented(r, lines)).length;
      return { kind: 'file' as const, file, routes, undocumented };
    });
  }

  private events(inventory: Inventory): Node[] {
    const byName = new Map<string, SocketEvent[]>();
    for (const e of inventory.socket_events) {
      const name = e.name ?? e.expression ?? '(dynamic)';
      const list = byName.get(name) ?? [];
      list.push(e);
      byName.set(name, list);
    }
    return [...byName.entries()].map(([name, sites]) => ({ kind: 'event' as const, name, sites }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.iconPath = new vscode.ThemeIcon('error');
        return item;
      }
      case 'section': {
        const item = new vscode.TreeItem(node.label, C.Expanded);
        item.id = `section:${node.id}`;
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon(node.id === 'routes' ? 'globe' : 'plug');
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(node.file, C.Expanded);
        item.id = `file:${node.file}`;
        item.resourceUri = this.uri(node.file);
        item.iconPath = vscode.ThemeIcon.File;
        item.label = path.posix.basename(node.file);
        item.description =
          `${path.posix.dirname(node.file)} · ${node.routes.length}` +
          (node.undocumented ? ` · ${node.undocumented} undocumented` : '');
        return item;
      }
      case 'route': {
        const r = node.route;
        const item = new vscode.TreeItem(`${r.method} ${r.path}`, C.None);
        item.id = `route:${r.file}:${r.line}:${r.method}:${r.path}`;
        const handler = r.handler?.name ?? '<unknown>';
        item.description = handler + (node.undocumented ? ' · undocumented' : '');
        item.iconPath = new vscode.ThemeIcon(
          node.undocumented ? 'warning' : 'symbol-method',
          node.undocumented ? new vscode.ThemeColor('list.warningForeground') : undefined,
        );
        const tip = new vscode.MarkdownString();
        tip.appendMarkdown(`**${r.method} ${r.path}**\n\n`);
        tip.appendMarkdown(`- Handler: \`${handler}\`\n`);
        tip.appendMarkdown(`- Auth: ${r.auth ? `\`${r.auth}\`` : 'none'}\n`);
        if (r.rate_limit) {
          tip.appendMarkdown(`- Rate limit: ${r.rate_limit}\n`);
        }
        if (r.middleware.length > 0) {
          tip.appendMarkdown(`- Middleware: ${r.middleware.map((m) => `\`${m}\``).join(' → ')}\n`);
        }
        tip.appendMarkdown(`- Registered at ${r.file}:${r.line}`);
        item.tooltip = tip;
        const target =
          r.handler?.file && r.handler.line ? { file: r.handler.file, line: r.handler.line } : r;
        item.command = {
          command: 'backendBrain.openLocation',
          title: 'Open the handler',
          arguments: [target.file, target.line],
        };
        item.contextValue = 'route';
        return item;
      }
      case 'event': {
        const emits = node.sites.filter((s) => s.kind === 'emit').length;
        const ons = node.sites.length - emits;
        const item = new vscode.TreeItem(node.name, C.Collapsed);
        item.id = `event:${node.name}`;
        item.description = `${emits} emit · ${ons} on`;
        item.iconPath = new vscode.ThemeIcon(
          emits === 0 || ons === 0 ? 'warning' : 'symbol-event',
          emits === 0 || ons === 0 ? new vscode.ThemeColor('list.warningForeground') : undefined,
        );
        return item;
      }
      case 'site': {
        const e = node.event;
        const item = new vscode.TreeItem(`${e.kind} · ${e.file}:${e.line}`, C.None);
        item.id = `site:${e.kind}:${e.file}:${e.line}:${e.name ?? e.expression ?? ''}`;
        item.description = [e.namespace && e.namespace !== '/' ? e.namespace : '', e.handler?.name ?? '', e.side ?? '']
          .filter((s) => s.length > 0)
          .join(' · ');
        item.iconPath = new vscode.ThemeIcon(e.kind === 'emit' ? 'arrow-up' : 'arrow-down');
        const target =
          e.handler?.file && e.handler.line ? { file: e.handler.file, line: e.handler.line } : e;
        item.command = {
          command: 'backendBrain.openLocation',
          title: 'Open',
          arguments: [target.file, target.line],
        };
        return item;
      }
    }
  }
}
