//! Where a store's work runs: a runtime of its own, on threads of its own, so that no call, open
//! or drop of a [`Store`](crate::Store) blocks or panics on the caller's runtime (a multi-thread
//! or a current-thread tokio runtime, or none at all), and a way to wait for a future from plain
//! code without one.

use crate::StoreError;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

/// The store's runtime: a multi-thread tokio runtime owned by a thread of its own. It reads
/// (pooled connections, SQLite on its blocking threads) and runs the subscriptions; it is shut
/// down on that thread when the last handle to it is dropped, so a drop never waits and never
/// drops a runtime inside another.
#[derive(Debug)]
pub(crate) struct Engine {
    handle: tokio::runtime::Handle,
    // Dropped with the engine: the runtime's thread then shuts the runtime down.
    _stop: std::sync::mpsc::Sender<()>,
}

impl Engine {
    /// Starts the runtime with `workers` worker threads.
    pub(crate) fn start(workers: usize) -> Result<Engine, StoreError> {
        let (ready, handle) = std::sync::mpsc::channel();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("ltc-store".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers.max(1))
                    .thread_name("ltc-store-worker")
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        let _ = ready.send(Ok(runtime.handle().clone()));
                        // Until every engine handle is gone.
                        let _ = stopped.recv();
                        runtime.shutdown_timeout(std::time::Duration::from_secs(10));
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            })
            .map_err(|e| StoreError::Backend {
                backend: "store",
                message: format!("the store's thread could not start: {e}"),
            })?;
        let handle = handle
            .recv()
            .map_err(|_| StoreError::Backend {
                backend: "store",
                message: "the store's thread stopped before its runtime started".into(),
            })?
            .map_err(|e| StoreError::Backend {
                backend: "store",
                message: format!("the store's runtime could not start: {e}"),
            })?;
        Ok(Engine {
            handle,
            _stop: stop,
        })
    }

    /// Runs `future` on the store's runtime and waits for its output from wherever the caller
    /// is.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        match self.handle.spawn(future).await {
            Ok(result) => result,
            Err(e) => Err(StoreError::Backend {
                backend: "store",
                message: format!("the store's task did not finish: {e}"),
            }),
        }
    }

    /// Runs blocking `work` on the store's runtime's blocking threads.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        match self.handle.spawn_blocking(work).await {
            Ok(result) => result,
            Err(e) => Err(StoreError::Backend {
                backend: "store",
                message: format!("the store's work did not finish: {e}"),
            }),
        }
    }

    pub(crate) fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }
}

/// Wakes the thread that waits in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Waits for `future` on the calling thread, parking it between polls. The futures of a store
/// only wait for work done on the store's own runtime, so this needs no runtime of the caller's,
/// and it neither starts one nor enters one: called from a thread that runs a runtime, it blocks
/// that thread (as any blocking call does) but does not panic.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park();
    }
}
