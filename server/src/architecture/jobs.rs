//! Background jobs: queues and what produces and consumes them (BullMQ and Bull `Queue`/`Worker`,
//! `queue.process`, NestJS `@Processor`/`@Process`/`@InjectQueue`, Agenda, pg-boss), and
//! scheduled work (node-cron, `cron`'s `CronJob`, `@Cron`/`@Interval`, module-level `setInterval`).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Serialize;

use crate::facts::{Call, Decorator, Expr, FileFacts, ImportKind, Pattern, Span};
use crate::frameworks::{Framework, Handle};
use crate::inventory::build::handler as handler_of;
use crate::inventory::{Handler, Location};
use crate::resolve::graph::{HandlerRef, NodeKey};
use crate::resolve::value::{Arg, ClassRef, Env, FnRef, Site, Text, Value};
use crate::resolve::{format_window, Interp};
use crate::workspace::FileId;

use crate::frameworks::routing::prop;

use super::{enclosing, function_arg, option_arg, Enclosing, Place};

/// The NestJS packages whose `@Processor`/`@Process`/`@InjectQueue` wrap Bull and BullMQ.
const NEST_QUEUES: [&str; 2] = ["@nestjs/bullmq", "@nestjs/bull"];
const NEST_SCHEDULE: &str = "@nestjs/schedule";

/// What the job recognizer saw during resolution.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Queues and job clients; [`Handle::Jobs`] indexes this.
    pub queues: Vec<QueueReg>,
    pub uses: Vec<JobUse>,
    pub schedules: Vec<ScheduleReg>,
}

/// A queue the code creates or refers to, or a client that names its queue per call.
#[derive(Debug, Clone)]
pub struct QueueReg {
    pub library: &'static str,
    /// `None` for a client that names its queue per call (Agenda, pg-boss).
    pub name: Option<Text>,
    pub site: Site,
    /// Where the name is written.
    pub name_span: Option<Span>,
    /// Whether this creates or registers the queue, rather than only referring to it.
    pub declares: bool,
}

/// Something that enqueues a job or consumes a queue.
#[derive(Debug)]
pub struct JobUse {
    pub library: &'static str,
    pub queue: Text,
    pub consumer: bool,
    /// How, as written: `add`, `Worker`, `process`, `@Processor`, `define`, `send`, `work`.
    pub how: String,
    /// The job's name, where literal.
    pub job: Option<String>,
    /// For a consumer, the job names its handler tells apart (`switch (job.name)`).
    pub handled: Vec<String>,
    pub handler: Option<HandlerRef>,
    /// The function the producing call is written in.
    pub by: Option<Enclosing>,
    pub site: Site,
    pub name_span: Option<Span>,
}

/// Work that runs on a schedule.
#[derive(Debug)]
pub struct ScheduleReg {
    pub library: &'static str,
    /// A cron expression as written, or `every 5min` for an interval.
    pub schedule: String,
    /// The job or queue it runs, for libraries that name it.
    pub job: Option<String>,
    pub handler: Option<HandlerRef>,
    pub site: Site,
}

/// The recognizer of job libraries.
pub struct Jobs;

impl Framework for Jobs {
    fn call_external(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        is_new: bool,
    ) -> Option<Value> {
        let names: Vec<&str> = path
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| *p != "default")
            .collect();
        let library = library_of(module)?;
        match (library, names.as_slice(), is_new) {
            ("bullmq" | "bull", ["Queue"], true) | ("bull", [], true) => {
                let args = cx.eval_args(&call.args, env);
                let queue = QueueReg {
                    library,
                    name: Some(queue_name(args.first())),
                    site,
                    name_span: call.args.first().and_then(Expr::span),
                    declares: true,
                };
                Some(Value::Handle(Handle::Jobs(add_queue(cx, queue))))
            }
            ("agenda" | "pg-boss", [] | ["Agenda"] | ["PgBoss"], true) => {
                let queue = QueueReg {
                    library,
                    name: None,
                    site,
                    name_span: None,
                    declares: false,
                };
                Some(Value::Handle(Handle::Jobs(add_queue(cx, queue))))
            }
            ("bullmq", ["Worker"], true) => {
                let args = cx.eval_args(&call.args, env);
                let consumer = Consumed {
                    library,
                    queue: queue_name(args.first()),
                    how: "Worker".to_string(),
                    job: None,
                    handler: args.get(1),
                    site,
                    name_span: call.args.first().and_then(Expr::span),
                };
                consumer.record(cx);
                Some(Value::unknown("Worker"))
            }
            ("node-cron", ["schedule"], _) | ("cron", ["CronJob"], true) => {
                let args = cx.eval_args(&call.args, env);
                let schedule = schedule_text(args.first());
                add_schedule(cx, library, schedule, None, args.get(1), site);
                None
            }
            ("cron", ["CronJob", "from"], _) => {
                let args = cx.eval_args(&call.args, env);
                let options = args
                    .first()
                    .map(|a| a.value.clone())
                    .unwrap_or(Value::Nullish);
                let time = prop(&options, "cronTime").map(|v| option_arg(cx, v));
                let tick = prop(&options, "onTick").map(|v| option_arg(cx, v));
                add_schedule(
                    cx,
                    library,
                    schedule_text(time.as_ref()),
                    None,
                    tick.as_ref(),
                    site,
                );
                None
            }
            ("nest", ["BullModule", "registerQueue" | "registerQueueAsync"], _) => {
                let args = cx.eval_args(&call.args, env);
                for (arg, expr) in args.iter().zip(&call.args) {
                    let name = prop(&arg.value, "name").map(|v| option_arg(cx, v));
                    if name.is_some() {
                        let queue = QueueReg {
                            library: "bullmq",
                            name: Some(queue_name(name.as_ref())),
                            site,
                            name_span: expr.span(),
                            declares: true,
                        };
                        add_queue(cx, queue);
                    }
                }
                None
            }
            _ => None,
        }
    }

    fn typed(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        _key: NodeKey,
        site: Site,
        _ty: &str,
    ) -> Option<Value> {
        let library = library_of(module)?;
        if !matches!(library, "bullmq" | "bull" | "nest")
            || path.last().map(|p| p.as_ref()) != Some("Queue")
        {
            return None;
        }
        // `constructor(@InjectQueue('emails') private queue: Queue)`.
        let facts = cx.facts(site.file);
        let decorators = declared_decorators(facts, site.call)?;
        let (_, args) = decorators
            .iter()
            .find_map(|d| nest_decorator(facts, d, &NEST_QUEUES, "InjectQueue"))?;
        let name_expr = args.first()?;
        let env = cx.module_env(site.file);
        let value = cx.eval(name_expr, &env);
        let queue = QueueReg {
            library: "bullmq",
            name: Some(queue_name(Some(&option_arg(cx, &value)))),
            site,
            name_span: name_expr.span(),
            declares: false,
        };
        Some(Value::Handle(Handle::Jobs(add_queue(cx, queue))))
    }

    fn call_method(
        &self,
        cx: &mut Interp<'_>,
        receiver: &Handle,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        let Handle::Jobs(index) = receiver else {
            return None;
        };
        let queue = cx.state::<Recorded>().queues.get(*index as usize)?.clone();
        let args = cx.eval_args(&call.args, env);
        let span = |i: usize| call.args.get(i).and_then(Expr::span);
        let library = queue.library;
        let produce = |cx: &mut Interp<'_>, queue: Text, job: Option<String>, name_span| {
            let by = enclosing(cx, env);
            cx.state::<Recorded>().uses.push(JobUse {
                library,
                queue,
                consumer: false,
                how: method.to_string(),
                job,
                handled: Vec::new(),
                handler: None,
                by,
                site,
                name_span,
            });
        };
        match (&queue.name, queue.library, method) {
            (Some(name), _, "add") => {
                let job = match (queue.library, args.len()) {
                    ("bull", 1) => None,
                    _ => literal(args.first()),
                };
                produce(cx, name.clone(), job, None);
            }
            (Some(name), _, "addBulk") => {
                let jobs: Vec<Option<String>> = match args.first().map(|a| &a.value) {
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|item| literal(prop(item, "name").map(|v| option_arg(cx, v)).as_ref()))
                        .collect(),
                    _ => vec![None],
                };
                for job in dedup(jobs) {
                    produce(cx, name.clone(), job, None);
                }
            }
            (Some(name), "bull", "process") => {
                let job = literal(args.first());
                Consumed {
                    library: queue.library,
                    queue: name.clone(),
                    how: "process".to_string(),
                    job,
                    handler: args.last(),
                    site,
                    name_span: None,
                }
                .record(cx);
            }
            (None, "agenda", "define") | (None, "pg-boss", "work") => {
                Consumed {
                    library: queue.library,
                    queue: queue_name(args.first()),
                    how: method.to_string(),
                    job: None,
                    handler: args.last(),
                    site,
                    name_span: span(0),
                }
                .record(cx);
            }
            (None, "agenda", "now") | (None, "pg-boss", "send" | "sendAfter" | "insert") => {
                produce(cx, queue_name(args.first()), None, span(0));
            }
            (None, "agenda", "schedule") => {
                produce(cx, queue_name(args.get(1)), None, span(1));
            }
            (None, "agenda", "every") => {
                let job = literal(args.get(1));
                add_schedule(
                    cx,
                    queue.library,
                    schedule_text(args.first()),
                    job,
                    None,
                    site,
                );
            }
            (None, "pg-boss", "schedule") => {
                let job = literal(args.first());
                add_schedule(
                    cx,
                    queue.library,
                    schedule_text(args.get(1)),
                    job,
                    None,
                    site,
                );
            }
            _ => {}
        }
        Some(Value::unknown(method))
    }

    fn class_declared(&self, cx: &mut Interp<'_>, class: ClassRef) {
        let facts = cx.facts(class.file);
        let Some(decl) = facts.class(class.id) else {
            return;
        };
        let env = cx.module_env(class.file);
        let processor = decl
            .decorators
            .iter()
            .find_map(|d| nest_decorator(facts, d, &NEST_QUEUES, "Processor").map(|x| (d, x)));
        if let Some((decorator, (module, args))) = processor {
            let library = if module == "@nestjs/bull" {
                "bull"
            } else {
                "bullmq"
            };
            let name_expr = args.first();
            let value = name_expr.map(|e| cx.eval(e, &env));
            // `@Processor({ name: 'emails' })` or `@Processor('emails')`.
            let name = match &value {
                Some(v @ Value::Object(_)) => prop(v, "name").cloned(),
                other => other.clone(),
            };
            let queue = queue_name(name.map(|v| option_arg(cx, &v)).as_ref());
            let site = decorator_site(class.file, decorator);
            let mut consumers = Vec::new();
            for method in &decl.methods {
                let process = method
                    .decorators
                    .iter()
                    .find_map(|d| nest_decorator(facts, d, &NEST_QUEUES, "Process"));
                let job = match process {
                    Some((_, args)) => Some(args.first().and_then(|a| {
                        let v = cx.eval(a, &env);
                        let v = match &v {
                            Value::Object(_) => prop(&v, "name").cloned(),
                            _ => Some(v),
                        };
                        literal(v.map(|v| option_arg(cx, &v)).as_ref())
                    })),
                    // BullMQ's `WorkerHost` hands every job to `process`.
                    None if library == "bullmq"
                        && method.name == "process"
                        && !method.is_static =>
                    {
                        Some(None)
                    }
                    None => None,
                };
                if let Some(job) = job {
                    consumers.push((method.function, job));
                }
            }
            for (function, job) in consumers {
                let handler = function_arg(FnRef {
                    file: class.file,
                    id: function,
                });
                Consumed {
                    library,
                    queue: queue.clone(),
                    how: if job.is_some() {
                        "@Process"
                    } else {
                        "@Processor"
                    }
                    .to_string(),
                    job,
                    handler: Some(&handler),
                    site,
                    name_span: name_expr.and_then(Expr::span),
                }
                .record(cx);
            }
        }
        scheduled_methods(cx, class);
    }
}

/// `@Cron('0 3 * * *')` and `@Interval(60_000)` on the methods of any class.
fn scheduled_methods(cx: &mut Interp<'_>, class: ClassRef) {
    let facts = cx.facts(class.file);
    let Some(decl) = facts.class(class.id) else {
        return;
    };
    let env = cx.module_env(class.file);
    for method in &decl.methods {
        for decorator in &method.decorators {
            let schedule = match nest_decorator(facts, decorator, &[NEST_SCHEDULE], "Cron") {
                Some((_, args)) => args.first().map(|a| {
                    let v = cx.eval(a, &env);
                    schedule_text(Some(&option_arg(cx, &v)))
                }),
                None => nest_decorator(facts, decorator, &[NEST_SCHEDULE], "Interval").map(
                    |(_, args)| {
                        let v = args.last().map(|a| cx.eval(a, &env));
                        interval_text(v.as_ref())
                    },
                ),
            };
            if let Some(schedule) = schedule {
                let handler = function_arg(FnRef {
                    file: class.file,
                    id: method.function,
                });
                let site = decorator_site(class.file, decorator);
                add_schedule(cx, NEST_SCHEDULE, schedule, None, Some(&handler), site);
            }
        }
    }
}

/// `setInterval(fn, ms)` at a module's top level: a loop that runs as long as the process does.
pub fn module_intervals(cx: &mut Interp<'_>) {
    for file in 0..cx.file_count() as FileId {
        let facts = cx.facts(file);
        for call_site in facts.calls.iter().filter(|c| c.scope.is_none()) {
            let Expr::Call(call) = &call_site.expr else {
                continue;
            };
            if !matches!(&call.callee, Expr::Ident(n, _) if n == "setInterval")
                || facts.lookup("setInterval", None).is_some()
            {
                continue;
            }
            let env = cx.module_env(file);
            let args = cx.eval_args(&call.args, &env);
            let site = Site {
                file,
                call: call.span,
                name: call.name_span,
            };
            let every = interval_text(args.get(1).map(|a| &a.value));
            add_schedule(cx, "setInterval", every, None, args.first(), site);
        }
    }
}

/// A consumer about to be recorded.
struct Consumed<'a> {
    library: &'static str,
    queue: Text,
    how: String,
    job: Option<String>,
    handler: Option<&'a Arg>,
    site: Site,
    name_span: Option<Span>,
}

impl Consumed<'_> {
    fn record(self, cx: &mut Interp<'_>) {
        let handled = self
            .handler
            .map(|h| handled_jobs(cx, h))
            .unwrap_or_default();
        let handler = self.handler.map(|h| cx.handler_ref(h));
        let state = cx.state::<Recorded>();
        let duplicate = state.uses.iter().any(|u| {
            u.consumer && u.site == self.site && u.job == self.job && u.handler == handler
        });
        if !duplicate {
            state.uses.push(JobUse {
                library: self.library,
                queue: self.queue,
                consumer: true,
                how: self.how,
                job: self.job,
                handled,
                handler,
                by: None,
                site: self.site,
                name_span: self.name_span,
            });
        }
    }
}

/// The index of `queue` among the recorded queues, added on first sight.
fn add_queue(cx: &mut Interp<'_>, queue: QueueReg) -> u32 {
    let state = cx.state::<Recorded>();
    if let Some(i) = state
        .queues
        .iter()
        .position(|q| q.site == queue.site && q.name == queue.name && q.library == queue.library)
    {
        return i as u32;
    }
    state.queues.push(queue);
    state.queues.len() as u32 - 1
}

fn add_schedule(
    cx: &mut Interp<'_>,
    library: &'static str,
    schedule: String,
    job: Option<String>,
    handler: Option<&Arg>,
    site: Site,
) {
    let handler = handler.map(|h| cx.handler_ref(h));
    let state = cx.state::<Recorded>();
    if !state
        .schedules
        .iter()
        .any(|s| s.site == site && s.handler == handler && s.job == job)
    {
        state.schedules.push(ScheduleReg {
            library,
            schedule,
            job,
            handler,
            site,
        });
    }
}

/// The job library a module is (NestJS's wrappers as `nest`), or `None`.
fn library_of(module: &str) -> Option<&'static str> {
    Some(match module {
        "bullmq" => "bullmq",
        "bull" => "bull",
        "agenda" | "@hokify/agenda" => "agenda",
        "pg-boss" => "pg-boss",
        "node-cron" => "node-cron",
        "cron" => "cron",
        "@nestjs/bullmq" | "@nestjs/bull" => "nest",
        _ => return None,
    })
}

/// A queue's name as the code shows it: literal, or `${source}`.
fn queue_name(arg: Option<&Arg>) -> Text {
    match arg {
        Some(Arg {
            value: Value::Text(t),
            ..
        }) => t.clone(),
        Some(arg) => Text::unknown(&arg.label),
        None => Text::unknown("name"),
    }
}

/// A literal string argument.
fn literal(arg: Option<&Arg>) -> Option<String> {
    match arg.map(|a| &a.value) {
        Some(Value::Text(t)) if !t.dynamic => Some(t.text.clone()),
        _ => None,
    }
}

/// A cron expression or interval as written (`0 3 * * *`, `1 hour`), else its source.
fn schedule_text(arg: Option<&Arg>) -> String {
    match arg {
        Some(a) => match &a.value {
            Value::Text(t) => t.text.clone(),
            _ => a.label.to_string(),
        },
        None => "?".to_string(),
    }
}

/// `every 5min` for an interval in milliseconds.
fn interval_text(ms: Option<&Value>) -> String {
    match ms {
        Some(Value::Num(n)) => format!("every {}", format_window(*n)),
        _ => "every ?".to_string(),
    }
}

/// The job names a consumer's handler tells apart: the labels of `switch (job.name)`.
fn handled_jobs(cx: &Interp<'_>, handler: &Arg) -> Vec<String> {
    let Value::Function(f) = handler.inner.as_ref().unwrap_or(&handler.value) else {
        return Vec::new();
    };
    let Some(function) = cx.facts(f.func.file).function(f.func.id) else {
        return Vec::new();
    };
    let mut labels: Vec<String> = function
        .switches
        .iter()
        .filter(|(discriminant, _)| discriminant.ends_with(".name"))
        .flat_map(|(_, labels)| labels.iter().cloned())
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

/// `@Name(args)` where `Name` is imported as `wanted` from one of `modules`: the module and the
/// arguments.
fn nest_decorator<'f>(
    facts: &'f FileFacts,
    decorator: &'f Decorator,
    modules: &[&str],
    wanted: &str,
) -> Option<(&'f str, &'f [Expr])> {
    let Expr::Call(call) = &decorator.expr else {
        return None;
    };
    let Expr::Ident(local, _) = &call.callee else {
        return None;
    };
    let import = facts
        .imports
        .iter()
        .find(|i| &i.local == local && modules.contains(&i.module.as_str()))?;
    let imported = match &import.kind {
        ImportKind::Named(n) => n.as_str(),
        _ => local.as_str(),
    };
    (imported == wanted).then_some((import.module.as_str(), call.args.as_slice()))
}

/// The decorators of the parameter or field declared at `span`.
fn declared_decorators(facts: &FileFacts, span: Span) -> Option<&[Decorator]> {
    let param = facts
        .functions
        .iter()
        .flat_map(|f| &f.params)
        .find(|p| matches!(&p.pattern, Pattern::Ident(_, s) if *s == span));
    if let Some(p) = param {
        return Some(&p.decorators);
    }
    facts
        .classes
        .iter()
        .flat_map(|c| &c.fields)
        .find(|f| f.span == span)
        .map(|f| f.decorators.as_slice())
}

fn decorator_site(file: FileId, decorator: &Decorator) -> Site {
    Site {
        file,
        call: decorator.span,
        name: decorator.span,
    }
}

fn dedup(mut items: Vec<Option<String>>) -> Vec<Option<String>> {
    items.sort();
    items.dedup();
    items
}

/// The inventory of jobs: queues by name, and schedules.
#[derive(Clone, Debug, Default, Serialize)]
pub struct JobsInventory {
    pub queues: Vec<Queue>,
    pub schedules: Vec<Schedule>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Queue {
    /// The queue's name; `${source}` when computed at run time.
    pub name: String,
    pub dynamic: bool,
    /// `bullmq`, `bull`, `agenda` or `pg-boss`.
    pub library: String,
    /// Where it is created or registered (`new Queue(...)`, `BullModule.registerQueue`).
    pub declared: Vec<Place>,
    /// The job names enqueued or handled, where literal.
    pub job_types: Vec<String>,
    pub producers: Vec<Producer>,
    pub consumers: Vec<Consumer>,
    /// Everywhere the queue's name is written, for the editor.
    #[serde(skip)]
    pub locations: Vec<Location>,
}

/// A call that enqueues a job.
#[derive(Clone, Debug, Serialize)]
pub struct Producer {
    pub file: String,
    pub line: u32,
    /// The method called: `add`, `addBulk`, `now`, `schedule`, `send`, ...
    pub call: String,
    /// The job's name, where literal.
    pub job: Option<String>,
    /// The function the call is written in (`OrderService.place`); null at module level.
    pub function: Option<String>,
    /// The routes whose handler reaches that function (`POST /api/v1/orders`), sorted.
    pub routes: Vec<String>,
    /// That function, for mapping producers to the routes that reach them.
    #[serde(skip)]
    pub by: Option<FnRef>,
}

/// A worker or processor of a queue.
#[derive(Clone, Debug, Serialize)]
pub struct Consumer {
    pub file: String,
    pub line: u32,
    /// `Worker`, `process`, `@Processor`, `@Process`, `define`, `work`.
    pub kind: String,
    /// The one job it handles, when it is bound to one (`@Process('welcome')`).
    pub job: Option<String>,
    /// The job names its handler tells apart (`switch (job.name)`).
    pub handles: Vec<String>,
    pub handler: Option<Handler>,
}

/// Work that runs on a schedule.
#[derive(Clone, Debug, Serialize)]
pub struct Schedule {
    /// `node-cron`, `cron`, `@nestjs/schedule`, `agenda`, `pg-boss`, `setInterval`.
    pub library: String,
    /// A cron expression as written, or `every 5min`.
    pub schedule: String,
    /// The job or queue it runs, for libraries that name it.
    pub job: Option<String>,
    pub handler: Option<Handler>,
    pub file: String,
    pub line: u32,
    #[serde(skip)]
    pub location: Location,
}

/// The queue named `name`, created on first sight.
fn queue_entry<'q>(
    queues: &'q mut BTreeMap<String, Queue>,
    name: &Text,
    library: &str,
) -> &'q mut Queue {
    queues.entry(name.text.clone()).or_insert_with(|| Queue {
        name: name.text.clone(),
        dynamic: name.dynamic,
        library: library.to_string(),
        declared: Vec::new(),
        job_types: Vec::new(),
        producers: Vec::new(),
        consumers: Vec::new(),
        locations: Vec::new(),
    })
}

/// Where a queue's name is written, when it is.
fn name_location(file: FileId, span: Option<Span>) -> Option<Location> {
    span.map(|span| Location {
        file,
        call: span,
        name: span,
    })
}

/// Groups what was recorded into queues (by name) and schedules.
pub fn derive(recorded: &Recorded, paths: &[String]) -> JobsInventory {
    let mut queues: BTreeMap<String, Queue> = BTreeMap::new();
    for queue in &recorded.queues {
        let Some(name) = &queue.name else {
            continue;
        };
        let q = queue_entry(&mut queues, name, queue.library);
        if queue.declares {
            q.declared.push(Place::of(&queue.site, paths));
        }
        q.locations
            .extend(name_location(queue.site.file, queue.name_span));
    }
    for u in &recorded.uses {
        let q = queue_entry(&mut queues, &u.queue, u.library);
        q.locations.extend(name_location(u.site.file, u.name_span));
        q.job_types.extend(u.job.iter().chain(&u.handled).cloned());
        let place = Place::of(&u.site, paths);
        if u.consumer {
            q.consumers.push(Consumer {
                file: place.file,
                line: place.line,
                kind: u.how.clone(),
                job: u.job.clone(),
                handles: u.handled.clone(),
                handler: u.handler.as_ref().map(|h| handler_of(h, paths)),
            });
        } else {
            q.producers.push(Producer {
                file: place.file,
                line: place.line,
                call: u.how.clone(),
                job: u.job.clone(),
                function: u.by.as_ref().map(|b| b.name.clone()),
                routes: Vec::new(),
                by: u.by.as_ref().map(|b| b.func),
            });
        }
    }
    let mut queues: Vec<Queue> = queues.into_values().collect();
    for q in &mut queues {
        q.declared.sort();
        q.declared.dedup();
        q.job_types.sort();
        q.job_types.dedup();
        q.producers
            .sort_by(|a, b| (&a.file, a.line, &a.job).cmp(&(&b.file, b.line, &b.job)));
        q.producers.dedup_by(|a, b| {
            (&a.file, a.line, &a.job, &a.function) == (&b.file, b.line, &b.job, &b.function)
        });
        q.consumers
            .sort_by(|a, b| (&a.file, a.line, &a.job).cmp(&(&b.file, b.line, &b.job)));
        q.locations.sort_by_key(|l| (l.file, l.name.start));
        q.locations.dedup();
    }
    let mut schedules: Vec<Schedule> = recorded
        .schedules
        .iter()
        .map(|s| {
            let place = Place::of(&s.site, paths);
            Schedule {
                library: s.library.to_string(),
                schedule: s.schedule.clone(),
                job: s.job.clone(),
                handler: s.handler.as_ref().map(|h| handler_of(h, paths)),
                file: place.file,
                line: place.line,
                location: Location {
                    file: s.site.file,
                    call: s.site.call,
                    name: s.site.name,
                },
            }
        })
        .collect();
    schedules.sort_by(|a, b| (&a.file, a.line, &a.schedule).cmp(&(&b.file, b.line, &b.schedule)));
    JobsInventory { queues, schedules }
}
