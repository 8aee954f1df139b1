//! The file store: uploaded documents in a local directory, content-addressed by SHA-256
//! (`<root>/<first 2 hex>/<hash>`), written to a temporary file, synced and renamed so that a
//! crash never leaves half a file under a real name. Several app servers share it by mounting
//! the same directory; the same content uploaded twice is stored once.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// The types accepted, recognised by their first bytes rather than by what the client claims.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Blank forms (mẫu đơn) may also be Word documents: DOCX (a zip) or the older DOC.
pub fn sniff_template(bytes: &[u8]) -> Option<&'static str> {
    sniff(bytes).or(if bytes.starts_with(b"PK\x03\x04") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("application/msword")
    } else {
        None
    })
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Stores `bytes`; returns its SHA-256 in hex.
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256);
        if tokio::fs::try_exists(&path).await? {
            return Ok(sha256);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir).await?;
        let tmp = dir.join(format!(".{sha256}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let mut f = tokio::fs::File::create(&tmp).await?;
        f.write_all(bytes).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&tmp, &path).await?;
        Ok(sha256)
    }

    /// Whether a file with this hash is stored.
    pub async fn exists(&self, sha256: &str) -> bool {
        sha256.len() == 64
            && sha256.chars().all(|c| c.is_ascii_hexdigit())
            && tokio::fs::try_exists(self.path_of(sha256)).await.unwrap_or(false)
    }

    pub async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "bad hash"));
        }
        tokio::fs::read(self.path_of(sha256)).await
    }
}

/// Keeps an upload of the agency: its bytes in the file store, its record (name, type, size) in
/// the database; the reference to put on a dossier. `content_type` is what [`sniff`] found.
pub async fn keep(
    store: &dyn motcua_store::Store,
    files: &FileStore,
    agency_id: uuid::Uuid,
    name: &str,
    content_type: &'static str,
    bytes: &[u8],
) -> Result<motcua_domain::dossier::FileRef, crate::AppError> {
    let sha256 = files.put(bytes).await.map_err(|e| crate::AppError::Internal(format!("file store: {e}")))?;
    store.record_file(agency_id, &sha256, name, content_type, bytes.len() as u64).await?;
    Ok(motcua_domain::dossier::FileRef {
        sha256,
        name: motcua_domain::text::nfc(name),
        content_type: content_type.to_owned(),
        size: bytes.len() as u64,
    })
}
