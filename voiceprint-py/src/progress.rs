//! Python progress callbacks as core calls them (`Fn(f32) -> bool`), from
//! the thread that released the GIL: used by `Diarizer.run` and
//! `StyleIndex.add_folder`.

use std::sync::Mutex;

use pyo3::prelude::*;

/// Takes the GIL back, calls Python, and keeps an exception the callback
/// raised so that the caller re-raises it instead of `CancelledError`.
/// Without a callback it still lets Ctrl-C stop the work.
pub struct Callback {
    func: Option<Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
}

impl Callback {
    /// Checks that `func`, if given, is callable.
    pub fn new(py: Python<'_>, func: Option<Py<PyAny>>) -> PyResult<Self> {
        if let Some(f) = &func {
            if !f.bind(py).is_callable() {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "progress must be a callable taking the fraction done (0 to 1)",
                ));
            }
        }
        Ok(Callback {
            func,
            error: Mutex::new(None),
        })
    }

    /// Whether to go on: the callback's answer (None counts as yes).
    pub fn report(&self, fraction: f32) -> bool {
        Python::attach(|py| {
            let go = match &self.func {
                Some(f) => f.call1(py, (fraction,)).and_then(|r| {
                    let r = r.bind(py);
                    Ok(r.is_none() || r.is_truthy()?)
                }),
                None => py.check_signals().map(|()| true),
            };
            go.unwrap_or_else(|e| {
                *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                false
            })
        })
    }

    /// The exception the callback raised, if any, to re-raise in place of
    /// the core error it caused.
    pub fn into_error(self) -> Option<PyErr> {
        self.error.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}
