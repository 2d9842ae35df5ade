//! Encryption at rest for durable stores: each stored vector is sealed with
//! AES-256-GCM under a key the caller gives (32 raw bytes, or a passphrase
//! stretched with Argon2id), bound to its model id and record id.
//!
//! Backend-neutral: a store keeps the [header](Cipher::create) in its
//! binding row (SQLite: the `meta` table) and a [sealed](Cipher::seal) blob
//! in place of each vector; everything else (ids, labels, status, times)
//! stays in plain text.
//!
//! The header is one printable ASCII line of `;`-separated fields:
//!
//! ```text
//! voiceprint-enc/1;aead=aes-256-gcm;kdf=argon2id;m=19456;t=2;p=1;salt=<32 hex>;check=<88 hex>
//! voiceprint-enc/1;aead=aes-256-gcm;kdf=raw;check=<88 hex>
//! ```
//!
//! `check` is the key check value: a nonce and the AES-GCM sealing of a
//! fixed constant, its associated data binding the model id and the rest of
//! the header, so a wrong key (or a header moved to another store's model,
//! or edited KDF parameters) fails its tag before any record is read.
//!
//! Nonces are 12 random bytes per sealing: NIST SP 800-38D §8.3 bounds one
//! key to 2^32 random-nonce encryptions, far above the writes a store sees
//! between rekeys.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce, Tag};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use zeroize::Zeroizing;

use super::record::vector_from_bytes;
use crate::{Error, Result};

/// First field of a header: the format and its version.
const FORMAT: &str = "voiceprint-enc/1";
/// Prefix of every header format, to tell a newer one from damage.
const FORMAT_PREFIX: &str = "voiceprint-enc/";
/// The AEAD, as the header names it.
const AEAD_NAME: &str = "aes-256-gcm";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const SALT_LEN: usize = 16;
/// What the key check value seals.
const CHECK_PLAINTEXT: &[u8; 16] = b"voiceprint-kcv-1";
/// Domain tags opening the associated data, so a key check value can never
/// pass for a record or the other way round.
const CHECK_DOMAIN: &[u8] = b"voiceprint key check";
const RECORD_DOMAIN: &[u8] = b"voiceprint record";

/// Argon2id parameters for new passphrase stores: OWASP's Password Storage
/// Cheat Sheet minimum (m = 19 MiB, t = 2, p = 1), about 30 ms on a current
/// core, so an open is not slowed but each guess at a stolen file costs as much.
const ARGON2_M_KIB: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;
/// Largest parameters accepted from a header: a damaged or hostile file
/// must not make an open allocate without bound (1 GiB) or spin for minutes.
const ARGON2_MAX_M_KIB: u32 = 1 << 20;
const ARGON2_MAX_T: u32 = 64;
const ARGON2_MAX_P: u32 = 64;

/// A caller's key for encryption at rest: 32 raw bytes, or a passphrase
/// stretched with Argon2id. The secret is wiped from memory when the key
/// is dropped, and `Debug` never shows it.
///
/// ```
/// use voiceprint_core::store::StoreKey;
/// let key = StoreKey::from_bytes(&[7u8; 32])?;
/// assert!(!format!("{key:?}").contains('7'));
/// assert!(StoreKey::from_bytes(&[7u8; 16]).is_err());
/// let _ = StoreKey::passphrase("correct horse battery staple")?;
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Clone)]
pub struct StoreKey(Secret);

/// Private, so a key can only be made through the checks of
/// [`StoreKey::from_bytes`] and [`StoreKey::passphrase`].
#[derive(Clone)]
enum Secret {
    Raw(Zeroizing<[u8; 32]>),
    Passphrase(Zeroizing<String>),
}

impl StoreKey {
    /// A raw AES-256 key: exactly 32 bytes (from a key manager or
    /// `openssl rand 32`), used as is.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let raw: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::invalid_argument(
                "key",
                format!(
                    "a raw store key is exactly 32 bytes, got {}; give 32 random bytes, or use a passphrase",
                    bytes.len()
                ),
            )
        })?;
        Ok(StoreKey(Secret::Raw(Zeroizing::new(raw))))
    }

    /// A passphrase (not empty), stretched with Argon2id and a random salt
    /// kept in the store.
    pub fn passphrase(passphrase: impl Into<String>) -> Result<Self> {
        let passphrase = Zeroizing::new(passphrase.into());
        if passphrase.is_empty() {
            return Err(Error::invalid_argument(
                "passphrase",
                "an empty passphrase protects nothing; give a non-empty one",
            ));
        }
        Ok(StoreKey(Secret::Passphrase(passphrase)))
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Secret::Raw(_) => f.write_str("StoreKey::Raw(<32 bytes, hidden>)"),
            Secret::Passphrase(_) => f.write_str("StoreKey::Passphrase(<hidden>)"),
        }
    }
}

/// How a header derives the key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kdf {
    Raw,
    Argon2id {
        m_kib: u32,
        t: u32,
        p: u32,
        salt: [u8; SALT_LEN],
    },
}

/// A store's unlocked key, bound to its model id: seals and opens vectors.
pub(crate) struct Cipher {
    aead: Aes256Gcm,
    model_id: String,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher")
            .field("aead", &AEAD_NAME)
            .field("model_id", &self.model_id)
            .finish_non_exhaustive()
    }
}

impl Cipher {
    /// New key material for a new (or rekeyed) store: the key as is, or
    /// Argon2id of the passphrase with a fresh salt; returns the cipher and
    /// the header to keep in the store's binding row.
    pub(crate) fn create(key: &StoreKey, model_id: &str) -> Result<(Cipher, String)> {
        let kdf = match &key.0 {
            Secret::Raw(_) => Kdf::Raw,
            Secret::Passphrase(_) => {
                let mut salt = [0u8; SALT_LEN];
                random(&mut salt)?;
                Kdf::Argon2id {
                    m_kib: ARGON2_M_KIB,
                    t: ARGON2_T,
                    p: ARGON2_P,
                    salt,
                }
            }
        };
        let derived = derive(key, &kdf)?.ok_or_else(|| Error::Store {
            detail: "internal: the key does not fit the KDF chosen for it".into(),
        })?;
        let cipher = Cipher::new(&derived, model_id);
        let head = header_head(&kdf);
        let mut nonce = [0u8; NONCE_LEN];
        random(&mut nonce)?;
        let mut check = nonce.to_vec();
        let mut sealed = CHECK_PLAINTEXT.to_vec();
        let tag = cipher
            .aead
            .encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                &check_aad(model_id, &head),
                &mut sealed,
            )
            .map_err(|_| Error::Store {
                detail: "AES-GCM refused to seal the key check value".into(),
            })?;
        check.extend_from_slice(&sealed);
        check.extend_from_slice(&tag);
        Ok((cipher, format!("{head};check={}", hex(&check))))
    }

    /// Unlocks a store with its header: a key that is not the store's (or
    /// a header from a store of another model) gives [`Error::WrongKey`]
    /// before anything else is read; a malformed header gives
    /// [`Error::Store`]. `store` names the store in messages.
    pub(crate) fn unlock(
        key: &StoreKey,
        model_id: &str,
        header: &str,
        store: &str,
    ) -> Result<Cipher> {
        let parsed = Header::parse(header).map_err(|why| Error::Store {
            detail: format!(
                "{store}: its encryption header is malformed ({why}); it was damaged, or not written by voiceprint"
            ),
        })?;
        let wrong_key = || Error::WrongKey {
            store: store.to_string(),
        };
        // A passphrase offered to a raw-key store (or the reverse) is as
        // wrong as any other key.
        let derived = derive(key, &parsed.kdf)?.ok_or_else(wrong_key)?;
        let cipher = Cipher::new(&derived, model_id);
        let (nonce, rest) = parsed.check.split_at(NONCE_LEN);
        let (sealed, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut opened = sealed.to_vec();
        cipher
            .aead
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                &check_aad(model_id, &parsed.head),
                &mut opened,
                Tag::from_slice(tag),
            )
            .map_err(|_| wrong_key())?;
        if opened != CHECK_PLAINTEXT {
            return Err(wrong_key());
        }
        Ok(cipher)
    }

    fn new(key: &[u8; 32], model_id: &str) -> Cipher {
        Cipher {
            aead: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
            model_id: model_id.to_string(),
        }
    }

    /// `nonce (12 random bytes) || ciphertext || tag` of the vector's `f32`
    /// little-endian bytes, bound to (model id, record id). Fails only when
    /// the operating system gives no random bytes.
    pub(crate) fn seal(&self, id: &str, vector: &[f32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(NONCE_LEN + vector.len() * 4 + TAG_LEN);
        out.resize(NONCE_LEN, 0);
        random(&mut out)?;
        out.extend(vector.iter().flat_map(|x| x.to_le_bytes()));
        let (nonce, body) = out.split_at_mut(NONCE_LEN);
        let tag = self
            .aead
            .encrypt_in_place_detached(
                Nonce::from_slice(nonce),
                &record_aad(&self.model_id, id),
                body,
            )
            .map_err(|_| Error::Store {
                detail: format!("AES-GCM refused to seal record `{id}`"),
            })?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// The vector of `dim` values that [`seal`](Self::seal) sealed for
    /// `id`; a blob of the wrong length, tampered with, or sealed for
    /// another id, model or key gives [`Error::CorruptRecord`].
    pub(crate) fn open(&self, id: &str, blob: &[u8], dim: usize, store: &str) -> Result<Vec<f32>> {
        let corrupt = |detail: String| Error::CorruptRecord {
            store: store.to_string(),
            id: id.to_string(),
            detail,
        };
        let expected = dim
            .checked_mul(4)
            .and_then(|n| n.checked_add(NONCE_LEN + TAG_LEN));
        if expected != Some(blob.len()) {
            return Err(corrupt(format!(
                "its sealed vector has {} bytes, a sealed {dim}-value vector has {}",
                blob.len(),
                dim.saturating_mul(4).saturating_add(NONCE_LEN + TAG_LEN)
            )));
        }
        let (nonce, rest) = blob.split_at(NONCE_LEN);
        let (sealed, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut plain = Zeroizing::new(sealed.to_vec());
        self.aead
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                &record_aad(&self.model_id, id),
                &mut plain,
                Tag::from_slice(tag),
            )
            .map_err(|_| {
                corrupt(
                    "its vector fails the AES-GCM tag (altered, or copied from another record or store)"
                        .into(),
                )
            })?;
        Ok(vector_from_bytes(&plain))
    }
}

/// The key a KDF makes from `key`, or `None` when the kind of key does not
/// fit the KDF (a passphrase for a raw-key header, or the reverse).
fn derive(key: &StoreKey, kdf: &Kdf) -> Result<Option<Zeroizing<[u8; 32]>>> {
    match (&key.0, kdf) {
        (Secret::Raw(raw), Kdf::Raw) => Ok(Some(raw.clone())),
        (Secret::Passphrase(pass), Kdf::Argon2id { m_kib, t, p, salt }) => {
            let kdf_err = |e: argon2::Error| Error::Store {
                detail: format!("Argon2id failed: {e}"),
            };
            let params = Params::new(*m_kib, *t, *p, Some(32)).map_err(kdf_err)?;
            let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
            let mut out = Zeroizing::new([0u8; 32]);
            // Argon2's working memory holds values derived from the
            // passphrase: wiped like the passphrase.
            let mut memory = Zeroizing::new(vec![Block::default(); argon.params().block_count()]);
            argon
                .hash_password_into_with_memory(
                    pass.as_bytes(),
                    salt,
                    &mut out[..],
                    &mut memory[..],
                )
                .map_err(kdf_err)?;
            Ok(Some(out))
        }
        _ => Ok(None),
    }
}

/// The header up to (not including) its key check field.
fn header_head(kdf: &Kdf) -> String {
    match kdf {
        Kdf::Raw => format!("{FORMAT};aead={AEAD_NAME};kdf=raw"),
        Kdf::Argon2id { m_kib, t, p, salt } => format!(
            "{FORMAT};aead={AEAD_NAME};kdf=argon2id;m={m_kib};t={t};p={p};salt={}",
            hex(salt)
        ),
    }
}

/// A parsed header.
struct Header {
    kdf: Kdf,
    /// The text the key check value binds: everything before `;check=`.
    head: String,
    /// Nonce, sealed constant and tag.
    check: Vec<u8>,
}

impl Header {
    fn parse(text: &str) -> std::result::Result<Header, String> {
        let mut fields = text.split(';');
        let format = fields.next().unwrap_or_default();
        if format != FORMAT {
            return Err(if format.starts_with(FORMAT_PREFIX) {
                format!("format {format:?} is newer than this voiceprint reads ({FORMAT:?}); upgrade voiceprint")
            } else {
                format!("it does not start with {FORMAT:?}")
            });
        }
        let mut pairs = Vec::new();
        for field in fields {
            let (k, v) = field
                .split_once('=')
                .ok_or_else(|| format!("field {field:?} is not key=value"))?;
            if pairs.iter().any(|&(seen, _)| seen == k) {
                return Err(format!("field `{k}` appears twice"));
            }
            pairs.push((k, v));
        }
        let take = |k: &str| -> std::result::Result<&str, String> {
            pairs
                .iter()
                .find(|&&(seen, _)| seen == k)
                .map(|&(_, v)| v)
                .ok_or_else(|| format!("no `{k}` field"))
        };
        let aead = take("aead")?;
        if aead != AEAD_NAME {
            return Err(format!(
                "unknown cipher {aead:?} (this voiceprint has {AEAD_NAME})"
            ));
        }
        let number = |k: &str, max: u32| -> std::result::Result<u32, String> {
            let v: u32 = take(k)?
                .parse()
                .map_err(|_| format!("`{k}` is not a number"))?;
            if v == 0 || v > max {
                return Err(format!("`{k}` = {v} is outside 1..={max}"));
            }
            Ok(v)
        };
        let (kdf, known): (Kdf, &[&str]) = match take("kdf")? {
            "raw" => (Kdf::Raw, &["aead", "kdf", "check"]),
            "argon2id" => {
                let salt = unhex(take("salt")?)
                    .and_then(|s| <[u8; SALT_LEN]>::try_from(s).ok())
                    .ok_or_else(|| format!("`salt` is not {SALT_LEN} bytes of hex"))?;
                (
                    Kdf::Argon2id {
                        m_kib: number("m", ARGON2_MAX_M_KIB)?,
                        t: number("t", ARGON2_MAX_T)?,
                        p: number("p", ARGON2_MAX_P)?,
                        salt,
                    },
                    &["aead", "kdf", "m", "t", "p", "salt", "check"],
                )
            }
            other => return Err(format!("unknown key derivation {other:?}")),
        };
        if let Some(&(k, _)) = pairs.iter().find(|(k, _)| !known.contains(k)) {
            return Err(format!("unknown field `{k}`"));
        }
        let check_len = NONCE_LEN + CHECK_PLAINTEXT.len() + TAG_LEN;
        let check = unhex(take("check")?)
            .filter(|c| c.len() == check_len)
            .ok_or_else(|| format!("`check` is not {check_len} bytes of hex"))?;
        // The check value binds the canonical text of the parsed values:
        // what counts is what the header says, not how it is spelt.
        Ok(Header {
            head: header_head(&kdf),
            kdf,
            check,
        })
    }
}

/// Associated data: each part length-prefixed (u64 little endian), so no
/// two different tuples encode alike (`("ab", "c")` vs `("a", "bc")`).
fn aad(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
    for p in parts {
        out.extend_from_slice(&(p.len() as u64).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn check_aad(model_id: &str, head: &str) -> Vec<u8> {
    aad(&[CHECK_DOMAIN, model_id.as_bytes(), head.as_bytes()])
}

fn record_aad(model_id: &str, id: &str) -> Vec<u8> {
    aad(&[RECORD_DOMAIN, model_id.as_bytes(), id.as_bytes()])
}

fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::Store {
        detail: format!("the operating system gave no random bytes for a nonce or salt: {e}"),
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORE: &str = "test.db";

    fn raw(byte: u8) -> StoreKey {
        StoreKey::from_bytes(&[byte; 32]).unwrap()
    }

    fn vector() -> Vec<f32> {
        vec![0.6, -0.8, 0.0, 1.5e-3]
    }

    #[test]
    fn a_sealed_vector_opens_to_the_same_values() {
        let (cipher, header) = Cipher::create(&raw(1), "m").unwrap();
        let blob = cipher.seal("alice", &vector()).unwrap();
        assert_eq!(blob.len(), NONCE_LEN + 16 + TAG_LEN);
        assert_eq!(cipher.open("alice", &blob, 4, STORE).unwrap(), vector());
        // And through a cipher unlocked again from the header.
        let again = Cipher::unlock(&raw(1), "m", &header, STORE).unwrap();
        assert_eq!(again.open("alice", &blob, 4, STORE).unwrap(), vector());
        assert!(header.is_ascii() && !header.chars().any(|c| c.is_ascii_control()));
        assert!(header.starts_with("voiceprint-enc/1;aead=aes-256-gcm;kdf=raw;check="));
    }

    #[test]
    fn a_blob_moved_to_another_id_or_model_is_corrupt() {
        let (cipher, header) = Cipher::create(&raw(1), "m").unwrap();
        let blob = cipher.seal("alice", &vector()).unwrap();
        match cipher.open("bob", &blob, 4, STORE) {
            Err(Error::CorruptRecord { id, store, .. }) => {
                assert_eq!((&*id, &*store), ("bob", STORE))
            }
            other => panic!("{other:?}"),
        }
        // Length prefixes: ("m", "alice") and ("ma", "lice") are different data.
        let shifted = Cipher::unlock(&raw(1), "m", &header, STORE).unwrap();
        let mut other_model = shifted;
        other_model.model_id = "ma".into();
        assert!(matches!(
            other_model.open("lice", &blob, 4, STORE),
            Err(Error::CorruptRecord { .. })
        ));
    }

    #[test]
    fn a_flipped_or_missing_byte_is_corrupt() {
        let (cipher, _) = Cipher::create(&raw(1), "m").unwrap();
        let blob = cipher.seal("alice", &vector()).unwrap();
        for i in [0, NONCE_LEN, blob.len() - 1] {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            assert!(
                matches!(
                    cipher.open("alice", &bad, 4, STORE),
                    Err(Error::CorruptRecord { .. })
                ),
                "byte {i}"
            );
        }
        let err = cipher
            .open("alice", &blob[..blob.len() - 1], 4, STORE)
            .unwrap_err();
        assert!(
            matches!(err, Error::CorruptRecord { .. }) && err.to_string().contains("bytes"),
            "{err}"
        );
        assert!(matches!(
            cipher.open("alice", &blob, 5, STORE),
            Err(Error::CorruptRecord { .. })
        ));
        assert!(matches!(
            cipher.open("alice", &[], usize::MAX, STORE),
            Err(Error::CorruptRecord { .. })
        ));
    }

    #[test]
    fn wrong_keys_are_refused_at_unlock() {
        let (_, header) = Cipher::create(&raw(1), "m").unwrap();
        assert!(matches!(
            Cipher::unlock(&raw(2), "m", &header, STORE),
            Err(Error::WrongKey { store }) if store == STORE
        ));
        let pass = StoreKey::passphrase("right").unwrap();
        assert!(matches!(
            Cipher::unlock(&pass, "m", &header, STORE),
            Err(Error::WrongKey { .. })
        ));
        let (_, pass_header) = Cipher::create(&pass, "m").unwrap();
        assert!(matches!(
            Cipher::unlock(
                &StoreKey::passphrase("wrong").unwrap(),
                "m",
                &pass_header,
                STORE
            ),
            Err(Error::WrongKey { .. })
        ));
        assert!(matches!(
            Cipher::unlock(&raw(1), "m", &pass_header, STORE),
            Err(Error::WrongKey { .. })
        ));
    }

    #[test]
    fn a_passphrase_unlocks_what_it_created() {
        let pass = StoreKey::passphrase("correct horse battery staple").unwrap();
        let (cipher, header) = Cipher::create(&pass, "m").unwrap();
        assert!(
            header.contains(";kdf=argon2id;m=19456;t=2;p=1;salt="),
            "{header}"
        );
        let blob = cipher.seal("alice", &vector()).unwrap();
        let again = Cipher::unlock(&pass, "m", &header, STORE).unwrap();
        assert_eq!(again.open("alice", &blob, 4, STORE).unwrap(), vector());
        // A fresh salt each time: the same passphrase makes another key.
        let (other, _) = Cipher::create(&pass, "m").unwrap();
        assert!(matches!(
            other.open("alice", &blob, 4, STORE),
            Err(Error::CorruptRecord { .. })
        ));
    }

    #[test]
    fn two_seals_of_one_vector_differ() {
        let (cipher, _) = Cipher::create(&raw(1), "m").unwrap();
        let a = cipher.seal("alice", &vector()).unwrap();
        let b = cipher.seal("alice", &vector()).unwrap();
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
        assert_ne!(a[NONCE_LEN..], b[NONCE_LEN..]);
    }

    #[test]
    fn a_header_is_bound_to_its_model_and_its_text() {
        let (_, header) = Cipher::create(&raw(1), "m").unwrap();
        assert!(matches!(
            Cipher::unlock(&raw(1), "other", &header, STORE),
            Err(Error::WrongKey { .. })
        ));
        let pass = StoreKey::passphrase("p").unwrap();
        let (_, pass_header) = Cipher::create(&pass, "m").unwrap();
        // Weakened parameters derive another key: refused, not used.
        let weakened = pass_header.replace(";t=2;", ";t=1;");
        assert!(matches!(
            Cipher::unlock(&pass, "m", &weakened, STORE),
            Err(Error::WrongKey { .. })
        ));
    }

    #[test]
    fn malformed_headers_are_store_errors() {
        let (_, header) = Cipher::create(&raw(1), "m").unwrap();
        let check = header.rsplit_once(";check=").unwrap().1;
        for bad in [
            String::new(),
            "hello".to_string(),
            header.replace("voiceprint-enc/1", "voiceprint-enc/2"),
            header.replace("aes-256-gcm", "rot13"),
            header.replace("kdf=raw", "kdf=md5"),
            header.replace(";check=", ";check=zz"),
            header[..header.len() - 2].to_string(),
            format!("{header};extra=1"),
            format!("{header};check={check}"),
            format!("voiceprint-enc/1;aead=aes-256-gcm;kdf=argon2id;m=4294967295;t=2;p=1;salt={};check={check}", "00".repeat(16)),
            format!("voiceprint-enc/1;aead=aes-256-gcm;kdf=argon2id;m=19456;t=2;p=1;salt=00;check={check}"),
        ] {
            match Cipher::unlock(&raw(1), "m", &bad, STORE) {
                Err(Error::Store { detail }) => assert!(detail.contains("malformed"), "{detail}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let newer = Cipher::unlock(&raw(1), "m", &header.replace("/1;", "/2;"), STORE).unwrap_err();
        assert!(newer.to_string().contains("upgrade"), "{newer}");
    }

    #[test]
    fn keys_are_checked_and_never_printed() {
        assert!(matches!(
            StoreKey::from_bytes(&[1; 31]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            StoreKey::from_bytes(&[1; 33]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(StoreKey::from_bytes(&[1; 31])
            .unwrap_err()
            .to_string()
            .contains("32 bytes"));
        assert!(matches!(
            StoreKey::passphrase(""),
            Err(Error::InvalidArgument { .. })
        ));
        let shown = format!(
            "{:?} {:?}",
            raw(0xAB),
            StoreKey::passphrase("hunter2").unwrap()
        );
        assert!(
            !shown.contains("hunter2")
                && !shown.contains("171")
                && !shown.to_lowercase().contains("ab, "),
            "{shown}"
        );
        let (cipher, _) = Cipher::create(&raw(0xAB), "m").unwrap();
        let shown = format!("{cipher:?}");
        assert!(!shown.contains("171") && !shown.contains("ab"), "{shown}");
    }

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        assert_eq!(unhex("0A"), Some(vec![10]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("0g"), None);
        assert_eq!(unhex("+1"), None);
    }
}
