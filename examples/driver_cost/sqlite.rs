//! The SQLite C API side of `driver_cost`: connections of its own on the
//! server's file, each with the read prepared once, used from threads of their
//! own (`spawn`) or right on the runtime's worker threads (`read_here`).
use std::cell::RefCell;
use std::ffi::{CStr, CString, c_int};
use std::ptr::{null, null_mut};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use anyhow::{Context, anyhow, bail};
use libsqlite3_sys as ffi;
use sea_orm::{ColumnTrait, ColumnType, Iterable};
use serde_json::Value;
use tasks_api::entity::task;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::Found;

/// A read for a reader thread: task id, user id, where the answer goes.
pub type Job = (Uuid, Uuid, oneshot::Sender<Found>);

/// The SQLite file and the statement the connections open and prepare.
static TARGET: OnceLock<(CString, CString)> = OnceLock::new();
thread_local!(static HERE: RefCell<Option<CReader>> = const { RefCell::new(None) });

/// Sets the file and the statement, from a `sqlite:` URL.
pub fn target(url: &str, sql: &str) -> anyhow::Result<()> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    let _ = TARGET.set((CString::new(path)?, CString::new(sql)?));
    Ok(())
}

/// `readers` connections on threads of their own, taking reads from the channel.
pub fn spawn(readers: usize) -> anyhow::Result<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..readers {
        let (rx, mut conn) = (rx.clone(), CReader::open()?);
        std::thread::spawn(move || {
            loop {
                // The lock is let go before the read, so the readers read in parallel.
                let Ok((id, user, reply)) = rx.lock().unwrap().recv() else {
                    break;
                };
                let _ = reply.send(conn.read(id, user));
            }
        });
    }
    Ok(tx)
}

/// Reads on the calling thread, on its own connection (opened on first use).
pub fn read_here(id: Uuid, user: Uuid) -> Found {
    HERE.with_borrow_mut(|conn| match conn {
        Some(conn) => conn.read(id, user),
        None => conn.insert(CReader::open()?).read(id, user),
    })
}

/// A SQLite connection of the C API with the read prepared on it.
struct CReader(*mut ffi::sqlite3_stmt);

// A SQLite connection may move between threads while one thread at a time uses it.
unsafe impl Send for CReader {}

impl CReader {
    fn open() -> anyhow::Result<Self> {
        let (path, sql) = TARGET.get().context("no SQLite file")?;
        let (mut db, mut stmt) = (null_mut(), null_mut());
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX;
        let pragmas = c"PRAGMA cache_size = -512; PRAGMA busy_timeout = 10000;";
        // SAFETY: valid C strings; the handles are checked before use.
        unsafe {
            if ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, null()) != 0
                || ffi::sqlite3_exec(db, pragmas.as_ptr(), None, null_mut(), null_mut()) != 0
                || ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, null_mut()) != 0
            {
                let message = CStr::from_ptr(ffi::sqlite3_errmsg(db)).to_string_lossy();
                let message = message.into_owned();
                ffi::sqlite3_close(db);
                bail!("SQLite: {message}");
            }
        }
        Ok(Self(stmt))
    }

    fn read(&mut self, id: Uuid, user: Uuid) -> Found {
        let s = self.0;
        // SAFETY: the statement is live; the bound bytes outlive the step, and reset
        // ends the read before they go.
        unsafe {
            for (i, key) in [(1, &user), (2, &id)] {
                let key = key.as_bytes().as_ptr().cast();
                ffi::sqlite3_bind_blob(s, i, key, 16, ffi::SQLITE_STATIC());
            }
            let found = match ffi::sqlite3_step(s) {
                ffi::SQLITE_ROW => c_model(s).context("unexpected column").map(Some),
                ffi::SQLITE_DONE => Ok(None),
                rc => Err(anyhow!("SQLite step: {rc}")),
            };
            ffi::sqlite3_reset(s);
            found
        }
    }
}

impl Drop for CReader {
    fn drop(&mut self) {
        // SAFETY: the statement and its connection are not used again.
        unsafe {
            let db = ffi::sqlite3_db_handle(self.0);
            ffi::sqlite3_finalize(self.0);
            ffi::sqlite3_close(db);
        }
    }
}

/// The current row as the entity's model, each column read by the kind the
/// entity gives it (None if a column is not what it should be).
fn c_model(s: *mut ffi::sqlite3_stmt) -> Option<task::Model> {
    let bytes = |i: c_int| -> Option<&[u8]> {
        // SAFETY: the row is current until the next step or reset; NULL comes back as None.
        unsafe {
            if ffi::sqlite3_column_type(s, i) == ffi::SQLITE_NULL {
                return None;
            }
            let p = ffi::sqlite3_column_blob(s, i);
            let n = ffi::sqlite3_column_bytes(s, i) as usize;
            Some(if n == 0 {
                &[]
            } else {
                std::slice::from_raw_parts(p.cast::<u8>(), n)
            })
        }
    };
    let value = |(i, column): (usize, task::Column)| -> Option<Value> {
        let i = i as c_int;
        let Some(raw) = bytes(i) else {
            return Some(Value::Null);
        };
        // SAFETY: as above.
        let int = || unsafe { ffi::sqlite3_column_int64(s, i) };
        Some(match column.def().get_column_type() {
            ColumnType::Uuid => Value::String(Uuid::from_slice(raw).ok()?.to_string()),
            ColumnType::Boolean => Value::Bool(int() != 0),
            ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger => {
                Value::from(int())
            }
            _ => Value::String(std::str::from_utf8(raw).ok()?.to_owned()),
        })
    };
    let row = task::Column::iter()
        .enumerate()
        .map(value)
        .collect::<Option<_>>()?;
    serde_json::from_value(Value::Array(row)).ok()
}
