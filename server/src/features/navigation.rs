//! Go to definition and find references: from a route to its handler, between the emitters and
//! the handlers of a socket event, and from a handler to the routes that use it.

use crate::inventory::SocketEvent;
use crate::workspace::FileId;

use super::{name_target, Analysis, Hit, Target};

impl Analysis<'_> {
    /// From a route to its handler's definition; from `emit` to the event's handlers, from `on`
    /// to its emitters.
    pub fn definition(&self, file: FileId, text: &str, offset: u32) -> Vec<Target> {
        let mut out: Vec<Target> = match self.hit(file, text, offset) {
            None => Vec::new(),
            Some(Hit::Routes(routes)) => routes
                .iter()
                .filter_map(|r| r.handler.as_ref()?.definition)
                .map(|(file, span)| Target {
                    file,
                    start: span.start,
                    end: span.end,
                })
                .collect(),
            Some(Hit::Event(event)) => {
                let other = if event.kind == "emit" { "on" } else { "emit" };
                self.same_event(event)
                    .filter(|e| e.kind == other)
                    .map(|e| {
                        match e.handler.as_ref().and_then(|h| h.definition) {
                            Some((file, span)) => Target {
                                file,
                                start: span.start,
                                end: span.end,
                            },
                            // A handler that cannot be found: its registration is the next best.
                            None => name_target(&e.location),
                        }
                    })
                    .collect()
            }
            // Tables are defined by line, often in schema files: see `table_definitions`.
            Some(Hit::Tables(_)) => Vec::new(),
        };
        out.sort();
        out.dedup();
        out
    }

    /// On an event: every `emit` and `on` of it. On a handler's definition: the routes using it.
    pub fn references(&self, file: FileId, text: &str, offset: u32) -> Vec<Target> {
        let mut out: Vec<Target> = match self.hit(file, text, offset) {
            Some(Hit::Event(event)) => self
                .same_event(event)
                .map(|e| name_target(&e.location))
                .collect(),
            Some(Hit::Routes(_)) => Vec::new(),
            Some(Hit::Tables(accesses)) => self.table_references(&accesses),
            None => self
                .inventory
                .routes
                .iter()
                .filter(|r| {
                    r.handler
                        .as_ref()
                        .and_then(|h| h.definition)
                        .is_some_and(|(f, span)| f == file && span.contains(offset))
                })
                .map(|r| name_target(&r.location))
                .collect(),
        };
        out.sort();
        out.dedup();
        out
    }

    /// Every event with the same name as `event` (a computed name matches its candidates).
    pub(super) fn same_event<'s>(
        &'s self,
        event: &'s SocketEvent,
    ) -> impl Iterator<Item = &'s SocketEvent> {
        self.inventory
            .socket_events
            .iter()
            .filter(move |e| match (&event.name, &e.name) {
                (Some(a), Some(b)) => a == b,
                (Some(a), None) => e.candidates.contains(a),
                (None, Some(b)) => event.candidates.contains(b),
                (None, None) => e.location == event.location,
            })
    }
}
