//! Feature tests as specifications: a fixture (files under `//- /path` headers, the cursor at
//! `$0`), and beside it the expected hover text, locations, diagnostics or edited text.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::inventory::Inventory;
use crate::workspace::{Config, Workspace};

use super::{Analysis, DocsTable, Target};

struct Fixture {
    files: BTreeMap<String, String>,
    cursor: Option<(String, u32)>,
    inventory: Inventory,
    table: DocsTable,
    config: Config,
}

impl Fixture {
    fn new(text: &str) -> Fixture {
        Fixture::with_config(text, Config::default())
    }

    fn with_config(text: &str, config: Config) -> Fixture {
        let mut files = BTreeMap::new();
        let mut current: Option<(String, String)> = None;
        for line in text.split_inclusive('\n') {
            if let Some(path) = line.trim_start().strip_prefix("//- /") {
                if let Some((p, t)) = current.take() {
                    files.insert(p, t);
                }
                current = Some((path.trim().to_string(), String::new()));
            } else if let Some((_, t)) = current.as_mut() {
                t.push_str(line);
            }
        }
        if let Some((p, t)) = current {
            files.insert(p, t);
        }
        let mut cursor = None;
        for (path, text) in files.iter_mut() {
            if let Some(at) = text.find("$0") {
                text.replace_range(at..at + 2, "");
                cursor = Some((path.clone(), at as u32));
            }
        }
        let mut ws = Workspace::new(PathBuf::from("/fixture"), config.clone());
        for (path, text) in &files {
            if ws.wants(path) {
                ws.set_text(path, text).expect("fixture file parses");
            }
        }
        let table = files
            .get(&config.docs.table)
            .map(|t| DocsTable::parse(t))
            .unwrap_or_default();
        Fixture {
            inventory: ws.inventory(),
            files,
            cursor,
            table,
            config,
        }
    }

    fn analysis(&self) -> Analysis<'_> {
        Analysis::new(&self.inventory, &self.table, &self.config)
    }

    /// The cursor's file id, its text, and its offset.
    fn cursor(&self) -> (u32, &str, u32) {
        let (path, offset) = self.cursor.as_ref().expect("fixture has a $0 cursor");
        let id = self
            .analysis()
            .file_id(path)
            .expect("cursor file is indexed");
        (id, &self.files[path], *offset)
    }

    /// `path:line:col text` for a target, lines and columns 1-based.
    fn render(&self, t: &Target) -> String {
        let path = &self.inventory.files[t.file as usize];
        let text = &self.files[path];
        let before = &text[..t.start as usize];
        let line = before.matches('\n').count() + 1;
        let col = t.start as usize - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!(
            "{path}:{line}:{col} {}",
            &text[t.start as usize..t.end as usize]
        )
    }

    fn render_all(&self, targets: &[Target]) -> String {
        targets
            .iter()
            .map(|t| self.render(t))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

const ORDERS: &str = r#"
//- /src/app.ts
import express from 'express';
import orders from './routes/orders';
const app = express();
app.use('/api/v1/orders', orders);
//- /src/routes/orders.ts
import { Router } from 'express';
import { authenticate } from '../middleware/auth';
import { getOrder, listOrders } from '../controllers/orders';
const router = Router();

/** Lists the caller's orders. */
router.get('/', authenticate, listOrders);
router.get('/:id', authenticate, getOrder);
router.delete('/:id', getOrder);
export default router;
//- /src/middleware/auth.ts
export function authenticate(req: any, res: any, next: any) { next(); }
//- /src/controllers/orders.ts
export async function listOrders(req: any, res: any) { res.json([]); }
export async function getOrder(req: any, res: any) { res.json({}); }
"#;

/// Puts `$0` before the first occurrence of `needle` in `file`.
fn at(fixture: &str, file: &str, needle: &str) -> String {
    let header = format!("//- /{file}\n");
    let start = fixture.find(&header).expect("file in fixture") + header.len();
    let at = start + fixture[start..].find(needle).expect("needle in file");
    format!("{}$0{}", &fixture[..at], &fixture[at..])
}

#[test]
fn hover_on_the_path_string_shows_the_full_route() {
    let f = Fixture::new(&at(ORDERS, "src/routes/orders.ts", "/:id', auth"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert_eq!(
        card.markdown,
        "**GET** `/api/v1/orders/:id`\n\n\
         - Handler: `getOrder` at src/controllers/orders.ts:2\n\
         - Middleware: `authenticate`\n\
         - Auth: `authenticate`\n\
         - Docs: undocumented\n"
    );
    assert_eq!(
        &text[card.range.0 as usize..card.range.1 as usize],
        "router.get('/:id'"
    );
}

#[test]
fn hover_shows_the_doc_and_nothing_inside_handler_arguments() {
    let f = Fixture::new(&at(ORDERS, "src/routes/orders.ts", "get('/', "));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(card
        .markdown
        .ends_with("- Docs: documented\n\nLists the caller's orders.\n"));
    let f = Fixture::new(&at(ORDERS, "src/routes/orders.ts", "listOrders);"));
    let (file, text, offset) = f.cursor();
    assert_eq!(f.analysis().hover(file, text, offset), None);
}

const SIGNUP: &str = r#"
//- /migrations/001_users.sql
CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL, password_hash text NOT NULL, full_name text);
//- /src/app.ts
import express from 'express';
import { signup } from './users';
const app = express();
app.post('/signup', signup);
//- /src/users.ts
import sgMail from '@sendgrid/mail';
import Stripe from 'stripe';
import { pool } from './db';
const stripe = new Stripe('sk_test');
export async function signup(req: any, res: any) {
  await pool.query('INSERT INTO users (email, password_hash) VALUES ($1, $2)', [req.body.email, req.body.hash]);
  await stripe.customers.create({ email: req.body.email });
  await sgMail.send({ to: req.body.email, templateId: 'd-welcome' });
  res.status(201).end();
}
//- /src/db.ts
import { Pool } from 'pg';
export const pool = new Pool();
"#;

#[test]
fn hover_on_a_route_shows_what_its_chain_sends_calls_and_touches() {
    let f = Fixture::new(&at(SIGNUP, "src/app.ts", "'/signup'"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert_eq!(
        card.markdown,
        "**POST** `/signup`\n\n\
         - Handler: `signup` at src/users.ts:5\n\
         - Auth: none\n\
         - Tables: `users` (write)\n\
         - Notifications: email `d-welcome` (sendgrid)\n\
         - Integrations: `sendgrid` (send), `stripe` (customers.create)\n\
         - Personal data: high `users.password_hash`; medium `users.email`; low `users.full_name`\n\
         - Docs: undocumented\n"
    );
}

const CHAT: &str = r#"
//- /src/server.ts
import { Server } from 'socket.io';
const io = new Server(3000);
function onJoin(room: string) {}
io.on('connection', (socket) => {
  socket.on('room:join', onJoin);
  socket.emit('room:joined', { room: 1 });
});
//- /web/client.ts
import { io } from 'socket.io-client';
const socket = io('http://localhost:3000');
socket.emit('room:join', 'lobby');
socket.on('room:joined', (data) => console.log(data));
socket.on('room:left', () => {});
"#;

#[test]
fn hover_on_an_event_lists_handlers_and_emitters() {
    let f = Fixture::new(&at(CHAT, "web/client.ts", "'room:join'"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert_eq!(
        card.markdown,
        "**Socket.IO event** `room:join` (namespace `/`)\n\n\
         Handlers:\n\
         - src/server.ts:5 → `onJoin` at src/server.ts:3\n\n\
         Emitters:\n\
         - web/client.ts:3 (client)\n"
    );
}

#[test]
fn definition_from_route_to_handler_and_between_emit_and_on() {
    let f = Fixture::new(&at(ORDERS, "src/routes/orders.ts", "delete"));
    let (file, text, offset) = f.cursor();
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/controllers/orders.ts:2:23 getOrder"
    );
    let f = Fixture::new(&at(CHAT, "web/client.ts", "emit('room:join'"));
    let (file, text, offset) = f.cursor();
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/server.ts:3:10 onJoin"
    );
    let f = Fixture::new(&at(CHAT, "web/client.ts", "'room:joined'"));
    let (file, text, offset) = f.cursor();
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/server.ts:6:10 emit"
    );
}

#[test]
fn references_of_an_event_and_of_a_handler() {
    let f = Fixture::new(&at(CHAT, "src/server.ts", "'room:join'"));
    let (file, text, offset) = f.cursor();
    assert_eq!(
        f.render_all(&f.analysis().references(file, text, offset)),
        "src/server.ts:5:10 on\nweb/client.ts:3:8 emit"
    );
    let f = Fixture::new(&at(ORDERS, "src/controllers/orders.ts", "etOrder"));
    let (file, text, offset) = f.cursor();
    assert_eq!(
        f.render_all(&f.analysis().references(file, text, offset)),
        "src/routes/orders.ts:8:8 get\nsrc/routes/orders.ts:9:8 delete"
    );
}

/// Every finding as `path:line:col severity code: message`.
fn diagnostics(f: &Fixture) -> String {
    f.analysis()
        .diagnostics()
        .values()
        .flatten()
        .map(|d| {
            format!(
                "{} {:?} {}: {}",
                f.render(&d.target),
                d.severity,
                d.code,
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn diagnostics_for_undocumented_routes_and_unmatched_events() {
    let f = Fixture::new(ORDERS);
    assert_eq!(
        diagnostics(&f),
        "src/routes/orders.ts:8:8 get Warning undocumented-route: GET /api/v1/orders/:id is undocumented: add a doc comment with a summary, or a row in BACKEND_BRAIN.md\n\
         src/routes/orders.ts:9:8 delete Warning undocumented-route: DELETE /api/v1/orders/:id is undocumented: add a doc comment with a summary, or a row in BACKEND_BRAIN.md"
    );
    let f = Fixture::new(CHAT);
    assert_eq!(
        diagnostics(&f),
        "web/client.ts:5:8 on Information unemitted-event: no server code emits `room:left` (event room:left)"
    );
}

#[test]
fn route_table_rows_and_todo_docs() {
    let fixture = format!(
        "{}\n//- /BACKEND_BRAIN.md\n| Method | Path |\n|---|---|\n| GET | `/api/v1/orders/:id` |\n",
        ORDERS.replace("router.delete(", "/** TODO: summary. */\nrouter.delete(")
    );
    let f = Fixture::new(&fixture);
    assert_eq!(
        diagnostics(&f),
        "src/routes/orders.ts:10:8 delete Warning undocumented-route: DELETE /api/v1/orders/:id has a doc comment without a summary: replace its first line (a TODO) with what the route does"
    );
}

#[test]
fn duplicates_and_severities_from_config() {
    let fixture = r#"
//- /src/app.ts
import express from 'express';
const app = express();
/** Health. */
app.get('/health', (req, res) => res.send('ok'));
/** Health again. */
app.get('/health', (req, res) => res.send('ok'));
app.post('/legacy', (req, res) => res.send('ok'));
"#;
    let config =
        Config::parse("[diagnostics]\nundocumented_route = 'error'\nduplicate_route = 'hint'\n")
            .expect("valid");
    let f = Fixture::with_config(fixture, config);
    assert_eq!(
        diagnostics(&f),
        "src/app.ts:4:5 get Hint duplicate-route: GET /health is registered 2 times; only the first registration answers\n\
         src/app.ts:6:5 get Hint duplicate-route: GET /health is registered 2 times; only the first registration answers\n\
         src/app.ts:7:5 post Error undocumented-route: POST /legacy is undocumented: add a doc comment with a summary, or a row in BACKEND_BRAIN.md"
    );
    let config = Config::parse("[diagnostics]\nundocumented_route = 'off'\nignore = ['src/**']\n")
        .expect("valid");
    assert_eq!(diagnostics(&Fixture::with_config(fixture, config)), "");
}

/// Applies the edits to the fixture's files and returns every changed file as `//- /path` text.
fn apply(f: &Fixture, edits: &[super::FileEdit]) -> String {
    let mut out = String::new();
    for edit in edits {
        let mut text = if edit.create {
            String::new()
        } else {
            f.files[&edit.path].clone()
        };
        let mut sorted = edit.edits.clone();
        sorted.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
        for (start, end, new) in sorted {
            text.replace_range(start as usize..end as usize, &new);
        }
        out.push_str(&format!("//- /{}\n{text}", edit.path));
    }
    out
}

#[test]
fn jsdoc_stub_is_indented_and_idempotent() {
    let fixture = r#"
//- /src/app.ts
import express from 'express';
export function mount(app: express.Express) {
    app.get('/users/:id', (req, res) => res.send('ok'));
}
"#;
    let f = Fixture::new(&at(fixture, "src/app.ts", "get("));
    let (file, text, offset) = f.cursor();
    let actions = f.analysis().code_actions(file, text, offset, offset, None);
    let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Add a JSDoc stub for GET /users/:id",
            "Add GET /users/:id to BACKEND_BRAIN.md",
            "Add JSDoc stubs for every undocumented route of this file"
        ]
    );
    let stubbed = apply(&f, &actions[0].edits);
    assert_eq!(
        stubbed,
        "//- /src/app.ts\nimport express from 'express';\nexport function mount(app: express.Express) {\n    /**\n     * TODO: summary.\n     *\n     * GET /users/:id\n     * Auth: none\n     */\n    app.get('/users/:id', (req, res) => res.send('ok'));\n}\n"
    );
    // Applied once, the stub is not offered again, and the route is still flagged (TODO summary).
    let again = Fixture::new(&stubbed.replace("app.get(", "app.$0get("));
    let (file, text, offset) = again.cursor();
    let titles: Vec<String> = again
        .analysis()
        .code_actions(file, text, offset, offset, None)
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert_eq!(titles, ["Add GET /users/:id to BACKEND_BRAIN.md"]);
    assert!(diagnostics(&again).contains("has a doc comment without a summary"));
}

#[test]
fn table_row_action_creates_the_file_and_documents_the_route() {
    let f = Fixture::new(&at(ORDERS, "src/routes/orders.ts", "delete"));
    let (file, text, offset) = f.cursor();
    let actions = f.analysis().code_actions(file, text, offset, offset, None);
    let row = actions
        .iter()
        .find(|a| a.title.starts_with("Add DELETE"))
        .expect("a table action");
    let created = apply(&f, &row.edits);
    assert_eq!(
        created,
        "//- /BACKEND_BRAIN.md\n# Backend\n\n## Routes\n\n| Method | Path | Handler | Auth | Summary |\n| --- | --- | --- | --- | --- |\n| DELETE | `/api/v1/orders/:id` | getOrder |  | TODO |\n"
    );
    // A TODO row lists the route but does not document it yet, like a TODO doc comment.
    let f = Fixture::new(&format!("{ORDERS}{created}"));
    assert!(diagnostics(&f).contains("DELETE"));
    let f = Fixture::new(&format!(
        "{ORDERS}{}",
        created.replace("| TODO |", "| Deletes one order. |")
    ));
    assert!(!diagnostics(&f).contains("DELETE"));
}

#[test]
fn source_action_documents_every_route_of_the_file_once() {
    let f = Fixture::new(&at(ORDERS, "src/routes/orders.ts", "export default"));
    let (file, text, offset) = f.cursor();
    let actions = f.analysis().code_actions(file, text, offset, offset, None);
    assert_eq!(actions.len(), 1);
    let all = apply(&f, &actions[0].edits);
    assert_eq!(all.matches("TODO: summary.").count(), 2);
    let f = Fixture::new(&all.replace("TODO: summary.", "Reads or deletes one order."));
    assert_eq!(diagnostics(&f), "");
}

#[test]
fn lenses_and_symbols() {
    let f = Fixture::new(ORDERS);
    let file = f
        .analysis()
        .file_id("src/routes/orders.ts")
        .expect("indexed");
    let lenses: Vec<String> = f
        .analysis()
        .code_lenses(file)
        .iter()
        .map(|l| {
            format!(
                "{} -> {}",
                l.title,
                l.handler.map(|t| f.render(&t)).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        lenses,
        [
            "GET /api/v1/orders · authenticate · documented -> src/controllers/orders.ts:1:23 listOrders",
            "GET /api/v1/orders/:id · authenticate · undocumented -> src/controllers/orders.ts:2:23 getOrder",
            "DELETE /api/v1/orders/:id · no auth · undocumented -> src/controllers/orders.ts:2:23 getOrder",
        ]
    );
    let names: Vec<String> = f
        .analysis()
        .document_symbols(file)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        [
            "GET /api/v1/orders",
            "GET /api/v1/orders/:id",
            "DELETE /api/v1/orders/:id"
        ]
    );
    let found: Vec<String> = f
        .analysis()
        .workspace_symbols("orders/:id")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        found,
        ["GET /api/v1/orders/:id", "DELETE /api/v1/orders/:id"]
    );
    let fuzzy: Vec<String> = f
        .analysis()
        .workspace_symbols("delord")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(fuzzy, ["DELETE /api/v1/orders/:id"]);
    let by_handler: Vec<String> = f
        .analysis()
        .workspace_symbols("listorders")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(by_handler, ["GET /api/v1/orders"]);
}

#[test]
fn features_work_on_a_pattern_fixture() {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/patterns/socketio-basic");
    let (ws, _) = Workspace::load(&root, Config::default()).expect("fixture exists");
    let inventory = ws.inventory();
    let table = DocsTable::default();
    let config = Config::default();
    let analysis = Analysis::new(&inventory, &table, &config);
    let file = analysis.file_id("src/server.ts").expect("indexed");
    let text = std::fs::read_to_string(root.join("src/server.ts")).expect("readable");
    let offset = text.find("'chat:message'").expect("event in fixture") as u32 + 2;
    let card = analysis.hover(file, &text, offset).expect("a hover");
    assert!(
        card.markdown.contains("`chat:message`"),
        "{}",
        card.markdown
    );
    assert!(
        card.markdown.contains("payload `{ from, text, sentAt }`"),
        "{}",
        card.markdown
    );
    // Server code only: whether a client handles the events cannot be known.
    assert!(analysis.diagnostics().is_empty());
}

const NEST: &str = r#"
//- /src/main.ts
import { NestFactory } from '@nestjs/core';
import { VersioningType } from '@nestjs/common';
import { AppModule } from './app.module';
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.setGlobalPrefix('api');
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  await app.listen(3000);
}
bootstrap();
//- /src/app.module.ts
import { Module } from '@nestjs/common';
import { CatsController } from './cats.controller';
@Module({ controllers: [CatsController] })
export class AppModule {}
//- /src/cats.controller.ts
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
@Controller('cats')
export class CatsController {
  @Get(':id')
  @UseGuards(AuthGuard('jwt'))
  findOne(@Param('id') id: string) {
    return { id };
  }
}
//- /src/events.gateway.ts
import { SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Server } from 'socket.io';
@WebSocketGateway({ namespace: 'live' })
export class EventsGateway {
  @WebSocketServer() server: Server;
  @SubscribeMessage('cats:watch')
  watch() {
    this.server.emit('cats:update', { at: 1 });
  }
}
"#;

#[test]
fn nestjs_hover_and_definition_on_a_route_decorator() {
    let f = Fixture::new(&at(NEST, "src/cats.controller.ts", "Get(':id')"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(
        card.markdown.starts_with("**GET** `/api/v1/cats/:id`\n\n"),
        "{}",
        card.markdown
    );
    assert!(
        card.markdown
            .contains("- Handler: `CatsController.findOne` at src/cats.controller.ts:7\n"),
        "{}",
        card.markdown
    );
    assert!(
        card.markdown.contains("- Auth: `AuthGuard('jwt')`\n"),
        "{}",
        card.markdown
    );
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/cats.controller.ts:7:3 findOne"
    );
}

#[test]
fn nestjs_hover_on_a_gateway_event() {
    let f = Fixture::new(&at(NEST, "src/events.gateway.ts", "'cats:watch'"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(
        card.markdown
            .starts_with("**Socket.IO event** `cats:watch` (namespace `/live`)"),
        "{}",
        card.markdown
    );
    assert!(
        card.markdown
            .contains("`EventsGateway.watch` at src/events.gateway.ts:7"),
        "{}",
        card.markdown
    );
}

const ROUTING_CONTROLLERS: &str = r#"
//- /src/app.ts
import express from 'express';
import { useExpressServer } from 'routing-controllers';
import { BookController } from './BookController';
const app = express();
useExpressServer(app, { routePrefix: '/api', controllers: [BookController] });
app.listen(3000);
//- /src/BookController.ts
import { Authorized, Get, JsonController, Param } from 'routing-controllers';
@JsonController('/books')
export class BookController {
  @Get('/:id')
  @Authorized('reader')
  getOne(@Param('id') id: string) {
    return { id };
  }
}
"#;

#[test]
fn routing_controllers_hover_and_definition_on_a_route_decorator() {
    let f = Fixture::new(&at(
        ROUTING_CONTROLLERS,
        "src/BookController.ts",
        "Get('/:id')",
    ));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(
        card.markdown.starts_with("**GET** `/api/books/:id`\n\n"),
        "{}",
        card.markdown
    );
    assert!(
        card.markdown.contains("- Auth: `Authorized('reader')`\n"),
        "{}",
        card.markdown
    );
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/BookController.ts:6:3 getOne"
    );
}

const FASTIFY: &str = r#"
//- /src/app.ts
import Fastify from 'fastify';
import { ordersRoutes } from './orders';
const app = Fastify();
app.register(ordersRoutes, { prefix: '/api/orders' });
app.listen({ port: 3000 });
//- /src/orders.ts
import type { FastifyInstance, FastifyRequest } from 'fastify';
async function getOrder(request: FastifyRequest) {
  return { id: request.params };
}
export async function ordersRoutes(fastify: FastifyInstance) {
  fastify.get('/:id', getOrder);
}
"#;

#[test]
fn fastify_hover_and_definition_on_a_route_in_a_plugin() {
    let f = Fixture::new(&at(FASTIFY, "src/orders.ts", "get('/:id'"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(
        card.markdown.starts_with("**GET** `/api/orders/:id`\n\n"),
        "{}",
        card.markdown
    );
    assert!(
        card.markdown
            .contains("- Handler: `getOrder` at src/orders.ts:2\n"),
        "{}",
        card.markdown
    );
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/orders.ts:2:16 getOrder"
    );
}

const KOA: &str = r#"
//- /src/app.ts
import Koa from 'koa';
import Router from '@koa/router';
import { listUsers } from './users';
const app = new Koa();
const router = new Router({ prefix: '/users' });
router.get('/', listUsers);
app.use(router.routes());
//- /src/users.ts
import type { Context } from 'koa';
export async function listUsers(ctx: Context) {
  ctx.body = [];
}
"#;

#[test]
fn koa_hover_and_definition_on_a_prefixed_router() {
    let f = Fixture::new(&at(KOA, "src/app.ts", "get('/'"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(
        card.markdown.starts_with("**GET** `/users`\n\n"),
        "{}",
        card.markdown
    );
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/users.ts:2:23 listUsers"
    );
}

const HONO: &str = r#"
//- /src/index.ts
import { Hono } from 'hono';
import { books } from './books';
const app = new Hono().basePath('/api');
app.route('/books', books);
export default app;
//- /src/books.ts
import { Hono, type Context } from 'hono';
export const books = new Hono();
function listBooks(c: Context) {
  return c.json([]);
}
books.get('/', listBooks);
"#;

#[test]
fn hono_hover_and_definition_through_base_path_and_route() {
    let f = Fixture::new(&at(HONO, "src/books.ts", "get('/'"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(
        card.markdown.starts_with("**GET** `/api/books`\n\n"),
        "{}",
        card.markdown
    );
    assert_eq!(
        f.render_all(&f.analysis().definition(file, text, offset)),
        "src/books.ts:3:10 listBooks"
    );
}

#[test]
fn nestjs_api_operation_summary_documents_a_route() {
    let f = Fixture::new(
        r#"
//- /src/main.ts
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
NestFactory.create(AppModule).then((app) => app.listen(3000));
//- /src/app.module.ts
import { Module } from '@nestjs/common';
import { InvoicesController } from './invoices.controller';
@Module({ controllers: [InvoicesController] })
export class AppModule {}
//- /src/invoices.controller.ts
import { Controller, Get, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
@Controller('invoices')
export class InvoicesController {
  @Get()
  @ApiOperation({ summary: 'Lists the invoices of the account' })
  list() {
    return [];
  }

  @Post()
  create() {
    return {};
  }
}
"#,
    );
    let undocumented: Vec<String> = f
        .analysis()
        .diagnostics()
        .values()
        .flatten()
        .filter(|d| d.code == super::UNDOCUMENTED_ROUTE)
        .map(|d| d.subject.clone())
        .collect();
    assert_eq!(undocumented, vec!["POST /invoices".to_string()]);
}

const SHOP: &str = r#"
//- /db/migrations/001_init.sql
CREATE TABLE customers (
  id serial PRIMARY KEY,
  email text NOT NULL
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  total integer NOT NULL
);
//- /src/db.ts
import { Pool } from 'pg';
export const pool = new Pool();
//- /src/services/order.service.ts
import { pool } from '../db';
export class OrderService {
  async list(customerId: number) {
    const { rows } = await pool.query('SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = $1', [customerId]);
    return rows;
  }
  async place(customerId: number, total: number) {
    await pool.query('INSERT INTO orders (customer_id, total) VALUES ($1, $2)', [customerId, total]);
  }
}
export const orderService = new OrderService();
//- /src/app.ts
import express from 'express';
import { orderService } from './services/order.service';
const app = express();
app.get('/orders', async (req, res) => res.json(await orderService.list(1)));
app.post('/orders', async (req, res) => res.json(await orderService.place(1, 5)));
"#;

#[test]
fn hover_on_a_route_shows_its_services_and_tables() {
    let f = Fixture::new(&at(SHOP, "src/app.ts", "get('/orders'"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert_eq!(
        card.markdown,
        "**GET** `/orders`\n\n\
         - Handler: `<inline>` at src/app.ts:4\n\
         - Auth: none\n\
         - Services: `OrderService.list`\n\
         - Tables: `customers` (read), `orders` (read)\n\
         - Personal data: medium `customers.email`\n\
         - Docs: undocumented\n"
    );
}

#[test]
fn hover_on_a_query_shows_its_tables_and_what_touches_them() {
    let f = Fixture::new(&at(SHOP, "src/services/order.service.ts", "'INSERT"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert_eq!(
        card.markdown,
        "**Table** `orders`\n\n\
         - Defined: db/migrations/001_init.sql:5 (sql)\n\
         - Columns: `id` serial pk, `customer_id` integer → customers.id, `total` integer\n\
         - Read by: `OrderService`\n\
         - Written by: `OrderService`\n\
         - Routes: `GET /orders`, `POST /orders`\n"
    );
    // The definition line of a schema file shows the same card.
    assert_eq!(
        f.analysis().table_card_at("db/migrations/001_init.sql", 5),
        Some(card.markdown)
    );
}

#[test]
fn definition_references_and_symbols_of_tables() {
    let f = Fixture::new(&at(SHOP, "src/services/order.service.ts", "'SELECT"));
    let (file, text, offset) = f.cursor();
    let analysis = f.analysis();
    let defs: Vec<String> = analysis
        .table_definitions(file, text, offset)
        .iter()
        .map(|p| format!("{}:{}", p.path, p.line))
        .collect();
    assert_eq!(
        defs,
        [
            "db/migrations/001_init.sql:1",
            "db/migrations/001_init.sql:5"
        ]
    );
    assert_eq!(
        f.render_all(&analysis.references(file, text, offset)),
        "src/services/order.service.ts:4:33 query\n\
         src/services/order.service.ts:8:16 query"
    );
    let tables: Vec<String> = analysis
        .table_symbols("ord")
        .iter()
        .map(|t| format!("{} {} {}:{}", t.name, t.detail, t.place.path, t.place.line))
        .collect();
    assert_eq!(tables, ["orders table (sql) db/migrations/001_init.sql:5"]);
    let services: Vec<String> = analysis
        .workspace_symbols("OrderServ")
        .iter()
        .filter(|s| s.kind == super::SymbolKind::Service)
        .map(|s| format!("{} {:?}", s.name, s.detail))
        .collect();
    assert_eq!(services, ["OrderService Some(\"service (class)\")"]);
}

const ARCHITECTURE: &str = r#"
//- /src/config.ts
import { z } from 'zod';
export const env = z
  .object({
    REDIS_URL: z.string().default('redis://localhost:6379'),
    SMTP_PASSWORD: z.string(),
  })
  .parse(process.env);
//- /src/queues.ts
import { Queue, Worker } from 'bullmq';
export const mail = new Queue('mail');
async function deliver(job: { name: string }) {
  switch (job.name) {
    case 'welcome':
      break;
  }
}
new Worker('mail', deliver);
//- /src/signup.ts
import { mail } from './queues';
export async function signUp(email: string) {
  await mail.add('welcome', { email });
}
//- /src/redis.ts
import Redis from 'ioredis';
export const redis = new Redis(process.env.REDIS_URL ?? 'redis://cache:6379');
//- /src/cron.ts
import cron from 'node-cron';
function nightly() {}
cron.schedule('0 1 * * *', nightly);
"#;

#[test]
fn hover_on_an_env_var_shows_where_else_it_is_read_and_its_validation() {
    let f = Fixture::new(&at(ARCHITECTURE, "src/redis.ts", "REDIS_URL"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert_eq!(
        card.markdown,
        "**Environment variable** `REDIS_URL` — looks like a secret\n\n\
         - Validated by: zod\n\
         - Default: `redis://localhost:6379`\n\n\
         Read at:\n\
         - src/config.ts:4 (schema) — default `redis://localhost:6379`\n\
         - src/redis.ts:2 — default `redis://cache:6379` — here\n"
    );
    assert_eq!(
        &text[card.range.0 as usize..card.range.1 as usize],
        "REDIS_URL"
    );
}

#[test]
fn hover_on_a_queue_name_lists_producers_and_consumers() {
    let f = Fixture::new(&at(ARCHITECTURE, "src/queues.ts", "'mail')"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert_eq!(
        card.markdown,
        "**Queue** `mail` (bullmq)\n\n\
         Job types: `welcome`\n\n\
         Producers:\n\
         - src/signup.ts:3 `add` job `welcome` in `signUp`\n\n\
         Consumers:\n\
         - src/queues.ts:9 Worker → `deliver` at src/queues.ts:3 — handles `welcome`\n"
    );
    let f = Fixture::new(&at(ARCHITECTURE, "src/queues.ts", "'mail', deliver"));
    let (file, text, offset) = f.cursor();
    let card = f.analysis().hover(file, text, offset).expect("a hover");
    assert!(card.markdown.starts_with("**Queue** `mail`"));
}

#[test]
fn workspace_symbols_include_env_vars_queues_and_jobs() {
    let f = Fixture::new(ARCHITECTURE);
    let symbols = |query: &str| -> Vec<String> {
        f.analysis()
            .workspace_symbols(query)
            .into_iter()
            .map(|s| {
                format!(
                    "{} ({}) {}",
                    s.name,
                    s.detail.unwrap_or_default(),
                    f.render(&s.selection)
                )
            })
            .collect()
    };
    assert_eq!(
        symbols("env"),
        [
            "env REDIS_URL (secret, validated by zod) src/config.ts:4:5 REDIS_URL",
            "env SMTP_PASSWORD (secret, validated by zod) src/config.ts:5:5 SMTP_PASSWORD",
        ]
    );
    assert_eq!(
        symbols("queue mail"),
        ["queue mail (bullmq) src/queues.ts:2:31 'mail'"]
    );
    assert_eq!(
        symbols("nightly"),
        ["job 0 1 * * * (nightly) src/cron.ts:3:6 schedule"]
    );
}
