//! The public lookup's answers, kept a short while by each server.
//!
//! A receipt's code is looked up again and again (the citizen reloads, the kiosk, the SMS link),
//! and each lookup read the dossier and its timeline from the database. The answer is kept here
//! for up to `lookup_cache_seconds` (2 by default; each code between half of it and all of it, so
//! that answers kept together do not expire together), so a burst of lookups costs one read.
//!
//! What stays as it was:
//! - **Changes are seen at once on this server.** Every request that may change something (any
//!   method but GET and HEAD) moves the [generation](LookupCache::changed) when it ends (`after_changes` in `lib.rs`); answers read
//!   before that are not used again. An answer carries the generation read *before* its database
//!   read, so one read while a change was being written is not kept either.
//! - **Other servers** (several app servers on PostgreSQL) see a change within the seconds set,
//!   or twice that for a code looked up rarely (below): no server needs what is here, and a
//!   server that dies loses nothing.
//! - **No lookup waits on an answer being read again.** Past its time, an answer is still given
//!   for as long again (stale-while-revalidate), and the first request to see it so starts one
//!   read in the background ([`Kept::refresh`]). That read asks only for the code's lock and its
//!   dossier's version: an unchanged dossier's answer is [renewed](LookupCache::renew) as it is; a
//!   changed one is read whole and replaces it; a locked or vanished code drops it. A burst of
//!   lookups of one code thus never waits on the database, and the reads go on at the same rate.
//!   An answer read before a change on this server is never given.
//! - **The guards.** Only found answers are kept, and only the right phone digits (compared in
//!   constant time) reuse one. A wrong phone goes the whole guarded way (counted failure, the
//!   least failure time), and a failure counted here drops the code's answer, so a locked code
//!   answers "not found" on this server at once.
//! - **Bounded**: at most [`MAX_ENTRIES`] codes; past it, the oldest half is dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::routes::lookup::LookupView;

/// The most codes kept at once (a few MB).
pub const MAX_ENTRIES: usize = 20_000;

#[derive(Debug)]
struct Entry {
    stored: Instant,
    generation: u64,
    phone_last4: String,
    view: LookupView,
    /// A read to replace this answer has been started.
    refreshing: bool,
}

/// A kept answer, and whether the caller is to read it again for the next lookups.
#[derive(Debug, Clone)]
pub struct Kept {
    pub view: LookupView,
    /// Past its time: give it, and read it again in the background (asked of one caller only).
    pub refresh: bool,
}

#[derive(Debug)]
pub struct LookupCache {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

impl LookupCache {
    /// Answers kept for `ttl` (zero: none).
    pub fn new(ttl: Duration) -> LookupCache {
        LookupCache { ttl, generation: AtomicU64::new(0), entries: Mutex::default() }
    }

    /// The generation to store an answer under: read it before the database read.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Something may have changed: no answer read before now is used again.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The kept answer for `code` if `phone_last4` is its applicant's and it was read since the
    /// last change on this server, within its time or the grace after it (then `refresh` is set
    /// for the first caller that sees it so).
    pub fn get(&self, code: &str, phone_last4: &str) -> Option<Kept> {
        if self.ttl.is_zero() {
            return None;
        }
        let generation = self.generation();
        let ttl = self.ttl_of(code);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get_mut(code)?;
        let given = phone_last4.trim();
        let same = given.len() == entry.phone_last4.len()
            && bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), entry.phone_last4.as_bytes()));
        let age = entry.stored.elapsed();
        if !same || entry.generation != generation || age >= ttl + self.ttl {
            return None;
        }
        let refresh = age >= ttl && !entry.refreshing;
        entry.refreshing |= refresh;
        Some(Kept { view: entry.view.clone(), refresh })
    }

    /// How long `code`'s answer is kept: between half the time set and all of it, spread by the
    /// code, so that answers kept together (a burst after a start, a change) do not all go back
    /// to the database in the same instant.
    fn ttl_of(&self, code: &str) -> Duration {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let spread = BuildHasherDefault::<DefaultHasher>::default().hash_one(code) % 1024;
        self.ttl / 2 + self.ttl.mul_f64(spread as f64 / 2048.0)
    }

    /// Keeps `view`, found for `code` with the right `phone_last4`, read at `generation`.
    pub fn put(&self, code: &str, phone_last4: &str, generation: u64, view: &LookupView) {
        if self.ttl.is_zero() || generation != self.generation() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let kept_for = self.ttl * 2;
            entries.retain(|_, e| e.stored.elapsed() < kept_for);
            if entries.len() >= MAX_ENTRIES {
                let mut ages: Vec<Instant> = entries.values().map(|e| e.stored).collect();
                ages.sort();
                let cut = ages[ages.len() / 2];
                entries.retain(|_, e| e.stored > cut);
            }
        }
        let entry = Entry {
            stored: Instant::now(),
            generation,
            phone_last4: phone_last4.trim().to_owned(),
            view: view.clone(),
            refreshing: false,
        };
        entries.insert(code.to_owned(), entry);
    }

    /// Keeps `code`'s answer for another while, as it is: read again at `generation`, its
    /// dossier had not changed. An answer that a change on this server has made unusable since
    /// it was read stays unusable.
    pub fn renew(&self, code: &str, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.get_mut(code)
            && entry.generation == generation
            && generation == self.generation()
        {
            entry.stored = Instant::now();
            entry.refreshing = false;
        }
    }

    /// Forgets `code` (a wrong phone was counted against it).
    pub fn forget(&self, code: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::dossier::State as DossierState;

    fn view(code: &str) -> LookupView {
        LookupView {
            code: code.into(),
            state: DossierState::Accepted,
            procedure: "Đăng ký đất đai".into(),
            state_label: "Đã tiếp nhận".into(),
            portal_status: 2,
            received_at: None,
            due_date: None,
            returned_at: None,
            timeline: Vec::new(),
            payable: false,
            version: 1,
        }
    }

    #[test]
    fn an_answer_is_reused_only_for_the_right_phone_and_until_a_change() {
        let cache = LookupCache::new(Duration::from_secs(60));
        let g = cache.generation();
        cache.put("H34-1", "1234", g, &view("H34-1"));
        assert_eq!(cache.get("H34-1", "1234").map(|k| (k.view.code, k.refresh)), Some(("H34-1".into(), false)));
        assert!(cache.get("H34-1", "1235").is_none(), "wrong phone");
        assert!(cache.get("H34-1", "123").is_none(), "short phone");
        assert!(cache.get("H34-2", "1234").is_none(), "another code");
        cache.changed();
        assert!(cache.get("H34-1", "1234").is_none(), "a change on this server");
        // Read before the change, stored after it: not kept.
        cache.put("H34-1", "1234", g, &view("H34-1"));
        assert!(cache.get("H34-1", "1234").is_none());
        let g = cache.generation();
        cache.put("H34-1", "1234", g, &view("H34-1"));
        cache.forget("H34-1");
        assert!(cache.get("H34-1", "1234").is_none(), "forgotten after a counted failure");
    }

    #[test]
    fn nothing_is_kept_with_no_time_and_old_answers_expire() {
        let off = LookupCache::new(Duration::ZERO);
        off.put("H34-1", "1234", off.generation(), &view("H34-1"));
        assert!(off.get("H34-1", "1234").is_none());
        let short = LookupCache::new(Duration::from_millis(1));
        short.put("H34-1", "1234", short.generation(), &view("H34-1"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.get("H34-1", "1234").is_none());
    }

    #[test]
    fn past_its_time_an_answer_is_given_while_one_caller_reads_it_again() {
        let cache = LookupCache::new(Duration::from_millis(40));
        cache.put("H34-1", "1234", cache.generation(), &view("H34-1"));
        std::thread::sleep(cache.ttl_of("H34-1") + Duration::from_millis(5));
        let first = cache.get("H34-1", "1234").expect("within the grace");
        assert!(first.refresh, "the first caller past its time reads it again");
        let second = cache.get("H34-1", "1234").expect("still given");
        assert!(!second.refresh, "only one read is asked for");
        assert!(cache.get("H34-1", "9999").is_none(), "wrong phone");
        // The read replaces it: fresh again.
        cache.put("H34-1", "1234", cache.generation(), &view("H34-1"));
        assert!(!cache.get("H34-1", "1234").unwrap().refresh);
        // A change on this server: not given, stale or not.
        std::thread::sleep(cache.ttl_of("H34-1") + Duration::from_millis(5));
        cache.changed();
        assert!(cache.get("H34-1", "1234").is_none());
        // Past the grace too: not given.
        cache.put("H34-2", "1234", cache.generation(), &view("H34-2"));
        std::thread::sleep(Duration::from_millis(85));
        assert!(cache.get("H34-2", "1234").is_none());
    }

    #[test]
    fn an_unchanged_answer_is_renewed_unless_this_server_changed_something() {
        let cache = LookupCache::new(Duration::from_millis(40));
        cache.put("H34-1", "1234", cache.generation(), &view("H34-1"));
        std::thread::sleep(cache.ttl_of("H34-1") + Duration::from_millis(5));
        assert!(cache.get("H34-1", "1234").unwrap().refresh);
        // The dossier's version was read and found as kept: fresh again, given without a read.
        cache.renew("H34-1", cache.generation());
        let renewed = cache.get("H34-1", "1234").expect("renewed");
        assert!(!renewed.refresh);
        // Read before a change on this server: renewing does not bring it back.
        let before = cache.generation();
        cache.changed();
        cache.renew("H34-1", before);
        cache.renew("H34-1", cache.generation());
        assert!(cache.get("H34-1", "1234").is_none());
        // Nothing kept: nothing renewed.
        cache.renew("H34-9", cache.generation());
        assert!(cache.get("H34-9", "1234").is_none());
    }

    #[test]
    fn codes_expire_at_different_times_within_the_time_set() {
        let cache = LookupCache::new(Duration::from_secs(2));
        let ttls: std::collections::BTreeSet<Duration> = (0..100).map(|i| cache.ttl_of(&format!("H34-{i}"))).collect();
        assert!(ttls.len() > 50, "spread");
        assert!(ttls.iter().all(|t| *t >= Duration::from_secs(1) && *t <= Duration::from_secs(2)));
        assert_eq!(cache.ttl_of("H34-7"), cache.ttl_of("H34-7"), "the same for one code");
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = LookupCache::new(Duration::from_secs(60));
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(&format!("C{i}"), "1234", cache.generation(), &view("x"));
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
        assert!(cache.get(&format!("C{}", MAX_ENTRIES + 9), "1234").is_some(), "the newest is kept");
    }
}
