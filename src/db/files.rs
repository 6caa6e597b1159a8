//! Files kept in the database (`stored_files`): the bytes with their kind, type, size and
//! SHA-256. Nothing lives on one server's disk, so every process sharing the database serves
//! any file, and a backup of the database holds them all. A file is written in the
//! transaction of the row that names it, and deleted with that row (by the owner's code or a
//! trigger of its migration). Plumbing: it knows no capability; the kind is a label.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::stored_files;
use super::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};

/// No stored file is ever larger than this, whatever its kind's own limit.
/// (Partner import files go up to 50 Mo.)
pub const MAX_BYTES: usize = 50 * 1024 * 1024;

/// A file to store: `limit` is its kind's own maximum size in bytes (the CV's 5 Mo…),
/// `too_large` the French sentence a person reads when it is exceeded.
pub struct NewFile<'a> {
    pub kind: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub limit: usize,
    pub too_large: &'a str,
}

/// A stored file, bytes included.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stored_files)]
pub struct StoredFile {
    pub id: String,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub created_at: chrono::NaiveDateTime,
}

/// SHA-256 of `bytes`, lowercase hexadecimal.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores a file (refused with `too_large`, 422, beyond its limit) and returns its id. Call it
/// inside the transaction that writes the row naming the file.
pub fn insert(conn: &mut DbConnection, file: &NewFile<'_>) -> AppResult<String> {
    if file.bytes.len() > file.limit.min(MAX_BYTES) {
        return Err(AppError::unprocessable(file.too_large));
    }
    let id = new_id();
    diesel::insert_into(stored_files::table)
        .values((
            stored_files::id.eq(&id),
            stored_files::kind.eq(file.kind),
            stored_files::content_type.eq(file.content_type),
            stored_files::size.eq(i64::try_from(file.bytes.len()).map_err(AppError::internal)?),
            stored_files::sha256.eq(sha256(file.bytes)),
            stored_files::bytes.eq(file.bytes),
            stored_files::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A stored file by id. Bytes that no longer match their SHA-256 are an error, never served.
pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Option<StoredFile>> {
    let file = stored_files::table
        .find(id)
        .select(StoredFile::as_select())
        .first(conn)
        .optional()?;
    if let Some(file) = &file
        && sha256(&file.bytes) != file.sha256
    {
        return Err(AppError::internal(anyhow::anyhow!(
            "stored file {id} does not match its SHA-256"
        )));
    }
    Ok(file)
}

/// Whether a file is stored under `id`.
pub fn exists(conn: &mut DbConnection, id: &str) -> AppResult<bool> {
    Ok(stored_files::table
        .find(id)
        .select(stored_files::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Deletes a stored file; true when there was one.
pub fn delete(conn: &mut DbConnection, id: &str) -> AppResult<bool> {
    Ok(diesel::delete(stored_files::table.find(id)).execute(conn)? == 1)
}

/// How many files of a kind are stored.
pub fn count(conn: &mut DbConnection, kind: &str) -> AppResult<i64> {
    Ok(stored_files::table
        .filter(stored_files::kind.eq(kind))
        .count()
        .get_result(conn)?)
}
