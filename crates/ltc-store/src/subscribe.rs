//! Catch-up subscriptions: every stream record after a position, then each new one as it
//! commits.

use crate::{Record, Store, StoreError};
use futures_core::Stream;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

/// How many records a subscription reads at a time.
const PAGE: usize = 256;

type Next =
    Pin<Box<dyn std::future::Future<Output = (Option<Result<Record, StoreError>>, State)> + Send>>;

/// The records of a store's stream after a position, in stream order, none skipped: those
/// committed already, then each as it commits ([`Store::subscribe`]). A `Stream` of
/// `Result<Record, StoreError>`; after an error (a database that cannot be read, a row that is
/// not a stored event) it ends: subscribe again after the last record handled.
///
/// Positions follow commit order, so reading on from the last position seen never misses an
/// event committed later, whoever wrote it.
pub struct Subscription {
    next: Option<Next>,
    state: Option<State>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("after", &self.state.as_ref().map(|s| s.after))
            .finish()
    }
}

struct State {
    store: Store,
    after: u64,
    buffer: VecDeque<Record>,
    ended: bool,
}

impl Subscription {
    pub(crate) fn new(store: Store, after: u64) -> Self {
        Subscription {
            next: None,
            state: Some(State {
                store,
                after,
                buffer: VecDeque::new(),
                ended: false,
            }),
        }
    }

    /// The position of the last record this subscription gave (or the one it started after).
    pub fn position(&self) -> Option<u64> {
        self.state.as_ref().map(|s| s.after)
    }
}

async fn step(mut state: State) -> (Option<Result<Record, StoreError>>, State) {
    loop {
        if state.ended {
            return (None, state);
        }
        if let Some(record) = state.buffer.pop_front() {
            state.after = record.position;
            return (Some(Ok(record)), state);
        }
        match state.store.read_stream(state.after, PAGE).await {
            Err(e) => {
                state.ended = true;
                return (Some(Err(e)), state);
            }
            Ok(page) if page.is_empty() => {
                if let Err(e) = state.store.wait_past(state.after).await {
                    state.ended = true;
                    return (Some(Err(e)), state);
                }
            }
            Ok(page) => state.buffer.extend(page),
        }
    }
}

impl Stream for Subscription {
    type Item = Result<Record, StoreError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.next.is_none() {
            let Some(state) = self.state.take() else {
                return Poll::Ready(None);
            };
            self.next = Some(Box::pin(step(state)));
        }
        let Some(next) = self.next.as_mut() else {
            return Poll::Ready(None);
        };
        match next.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((item, state)) => {
                self.next = None;
                self.state = Some(state);
                Poll::Ready(item)
            }
        }
    }
}

impl Store {
    /// Waits until the store knows of a commit past `after`, or for the poll interval (for
    /// commits it is not told of: another process's, on SQLite). Runs on the store's runtime.
    pub(crate) async fn wait_past(&self, after: u64) -> Result<(), StoreError> {
        let mut committed = self.inner.shared.committed.subscribe();
        let poll = self.inner.options.poll_interval;
        self.inner
            .engine
            .run(async move {
                let _ = tokio::time::timeout(poll, committed.wait_for(|c| *c > after)).await;
                Ok(())
            })
            .await
    }

    /// Starts listening for other stores' commits (PostgreSQL), on the store's runtime: what a
    /// store's first subscription does, so that a store nobody subscribes to holds no listening
    /// connection.
    pub(crate) fn listen(&self) {
        if let crate::Db::Postgres(readers) = &self.inner.db {
            let connect = readers.connect.clone();
            let shared = std::sync::Arc::downgrade(&self.inner.shared);
            self.inner
                .engine
                .handle()
                .spawn(crate::postgres::listen(connect, shared));
        }
    }
}
