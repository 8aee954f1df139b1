//! Store errors: what a caller can act on (conflict, duplicate, not found) apart from the rest.

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The dossier changed since it was read (optimistic concurrency).
    #[error("hồ sơ vừa được người khác cập nhật; hãy tải lại và thử lại")]
    Conflict,
    /// A unique value is taken (e.g. a username or a code).
    #[error("giá trị đã tồn tại: {0}")]
    Duplicate(String),
    /// The database URL or set-up is wrong.
    #[error("{0}")]
    Config(String),
    /// Stored data could not be decoded.
    #[error("dữ liệu lưu trữ hỏng: {0}")]
    Corrupt(String),
    /// A value the database cannot hold as text (PostgreSQL refuses the NUL character): the
    /// caller's input, not a fault of the system.
    #[error("dữ liệu có ký tự không hợp lệ (NUL) / the text holds a NUL character")]
    InvalidText,
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Duplicate(db.message().to_owned());
        }
        // PostgreSQL: 22021 character_not_in_repertoire ("invalid byte sequence for encoding
        // UTF8: 0x00"), 22P05 untranslatable_character.
        if let sqlx::Error::Database(db) = &e
            && matches!(db.code().as_deref(), Some("22021" | "22P05"))
        {
            return StoreError::InvalidText;
        }
        StoreError::Database(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
