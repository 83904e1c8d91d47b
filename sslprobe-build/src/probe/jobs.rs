//! Parallel compiler runs within Cargo's jobserver limits (`NUM_JOBS` / available parallelism
//! outside Cargo).

use super::*;

/// The jobs count outside a jobserver: `NUM_JOBS` (set by Cargo for build scripts), else the
/// available parallelism.
pub(super) fn default_jobs() -> usize {
    crate::env::cargo_var("NUM_JOBS")
        .and_then(|j| j.to_str()?.parse().ok())
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .clamp(1, 64)
}

/// Cargo's jobserver, when this process is a build script Cargo started (`CARGO_MAKEFLAGS`).
pub(super) fn cargo_jobserver() -> Option<&'static jobserver::Client> {
    static CLIENT: OnceLock<Option<jobserver::Client>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            crate::env::cargo_var("CARGO_MAKEFLAGS")?;
            // SAFETY: the descriptors named in CARGO_MAKEFLAGS are the jobserver pipe Cargo
            // passed to this build script for exactly this use; `check_pipe` verifies that they
            // are pipes (or the named fifo) before they are used, and the OnceLock makes this
            // happen once per process, so no descriptor is owned twice.
            unsafe { jobserver::Client::from_env_ext(true) }.client.ok()
        })
        .as_ref()
}

/// Permission to run one more compiler beside the one this process implicitly may run: one of
/// the prober's `jobs - 1` extra slots, plus a token from Cargo's jobserver when there is one.
/// Both are given back on drop.
pub(super) struct Token<'a> {
    slot: &'a AtomicUsize,
    _jobserver: Option<jobserver::Acquired>,
}

impl Drop for Token<'_> {
    fn drop(&mut self) {
        self.slot.fetch_add(1, Ordering::AcqRel);
    }
}

/// Whether another compiler may start now.
pub(super) enum TokenState<'a> {
    Got(Token<'a>),
    NotNow,
    /// No parallelism: one job, or a jobserver that cannot be polled on this platform (run
    /// sequentially rather than risk blocking on a token when the work is already done).
    Never,
}

impl Prober {
    pub(super) fn try_token(&self) -> TokenState<'_> {
        if self.jobs <= 1 {
            return TokenState::Never;
        }
        if self
            .slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_err()
        {
            return TokenState::NotNow;
        }
        let token = |js| {
            TokenState::Got(Token {
                slot: &self.slots,
                _jobserver: js,
            })
        };
        match cargo_jobserver() {
            None => token(None),
            Some(c) => match c.try_acquire() {
                Ok(Some(a)) => token(Some(a)),
                Ok(None) => {
                    self.slots.fetch_add(1, Ordering::AcqRel);
                    TokenState::NotNow
                }
                Err(_) => {
                    self.slots.fetch_add(1, Ordering::AcqRel);
                    TokenState::Never
                }
            },
        }
    }
    /// Runs `work` over `tasks` (and the tasks it spawns) on up to `jobs` threads: this one,
    /// which needs no token, and helpers that each hold a jobserver token while they compile.
    /// Returns `(sequence number, result, log)` per task.
    pub(super) fn parallel<T, R>(
        &self,
        tasks: Vec<T>,
        work: &Work<'_, T, R>,
    ) -> Vec<(usize, R, Log)>
    where
        T: Send,
        R: Send,
    {
        struct Queue<T> {
            tasks: VecDeque<(usize, T)>,
            busy: usize,
            next_seq: usize,
        }
        struct Finished<'a, T> {
            queue: &'a Mutex<Queue<T>>,
            wake: &'a Condvar,
        }
        impl<T> Drop for Finished<'_, T> {
            fn drop(&mut self) {
                self.queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .busy -= 1;
                self.wake.notify_all();
            }
        }
        let n = tasks.len();
        let queue = Mutex::new(Queue {
            tasks: tasks.into_iter().enumerate().collect(),
            busy: 0,
            next_seq: n,
        });
        let wake = Condvar::new();
        let out = Mutex::new(Vec::new());
        let lock = || queue.lock().unwrap_or_else(PoisonError::into_inner);
        let worker = |helper: bool| loop {
            let mut q = lock();
            while q.tasks.is_empty() {
                if q.busy == 0 {
                    return;
                }
                q = wake.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
            let _token = if helper {
                drop(q);
                match self.try_token() {
                    TokenState::Got(t) => {
                        q = lock();
                        if q.tasks.is_empty() {
                            continue;
                        }
                        Some(t)
                    }
                    TokenState::NotNow => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    TokenState::Never => return,
                }
            } else {
                None
            };
            let Some((seq, task)) = q.tasks.pop_front() else {
                continue;
            };
            q.busy += 1;
            drop(q);
            // Marks the task finished even if `work` panics, so that no other worker waits for
            // it forever (the panic then surfaces when the scope joins).
            let finished = Finished {
                queue: &queue,
                wake: &wake,
            };
            let mut l = Log::in_memory();
            let (r, children) = work(task, &mut l);
            out.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((seq, r, l));
            let mut q = lock();
            for c in children {
                let s = q.next_seq;
                q.next_seq += 1;
                q.tasks.push_back((s, c));
            }
            drop(q);
            drop(finished);
        };
        let helpers = self.jobs.saturating_sub(1).min(64);
        std::thread::scope(|s| {
            for _ in 0..helpers {
                s.spawn(|| worker(true));
            }
            worker(false);
        });
        out.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}
