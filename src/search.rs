//! Caseload search index: accent-insensitive fuzzy search over people.
//!
//! Each entry gets a pre-folded haystack (`fold(display) + " " + fold(extra)`)
//! stored in one contiguous buffer, plus a 64-bit "which bytes occur"
//! mask. A query is folded and split into words; every word must fuzzy-match
//! (skim V2 algorithm) and the word scores are summed. Before paying for the
//! skim scoring, candidates are rejected by the mask and by a plain byte
//! subsequence test (a skim match requires the word to be a subsequence of
//! the haystack, so both are exact pre-filters).
//!
//! Scores are those of `fuzzy_matcher::skim::SkimMatcherV2` (ignore case),
//! computed by [`skim_score`], a stateless port of its `fuzzy_match`. The
//! crate's matcher cannot be reused as is: in 0.3.7 its cached score matrix
//! leaks a `bonus` field from one call to the next, so a reused matcher
//! gives history-dependent scores (narrowed results would differ from a
//! fresh scan, and parallel scans would be nondeterministic), while a new
//! matcher per call is 2 to 3 times slower. A proptest checks the port
//! against a fresh `SkimMatcherV2` on every case. Highlighting still uses
//! the crate's `fuzzy_indices` (fresh matcher, visible rows only).
//!
//! Narrowing: when the new folded query extends the previous one (the user
//! typed one more char), only the previous hits are rescanned. The results of
//! the shorter prefixes are kept, so erasing back to one of them (backspace)
//! restores its results instead of rescanning. Large scans are split over the
//! available cores.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

use crate::text::{fold, fold_with_map};

/// One searchable person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    /// Database id of the person.
    pub id: i64,
    /// Text of the list's name column, e.g. "DUPONT Marie (née MARTIN)"; compact: up to
    /// 24 bytes it needs no allocation of its own (most names; issue 14, memory at 100k).
    pub display: compact_str::CompactString,
    /// Other searchable fields separated by spaces (n° de dossier, commune,
    /// birth date as dd/mm/yyyy).
    pub extra: String,
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index into the entries given to [`SearchIndex::new`].
    pub index: usize,
    /// Higher is better; 0 for the empty query.
    pub score: i64,
}

/// Below this many candidates a scan stays on the calling thread.
const PARALLEL_THRESHOLD: usize = 8_192;
/// Upper bound on scan threads.
const MAX_THREADS: usize = 4;
/// Largest score spread sorted with a counting sort.
const COUNTING_SORT_MAX_RANGE: i64 = 1 << 16;
/// Most results of shorter queries kept for backspace.
const MAX_EARLIER: usize = 32;
/// Hits kept in those results, at most, per entry of the index (bounds their
/// memory to a few times that of the current results).
const EARLIER_HITS_PER_ENTRY: usize = 2;

/// The results of one search, kept to be restored.
struct Searched {
    query: String,
    hits: Vec<Hit>,
    matched: Vec<usize>,
}

/// Search index over a fixed list of entries. Build it once, then call
/// [`SearchIndex::search`] on every keystroke.
pub struct SearchIndex {
    entries: Vec<SearchEntry>,
    /// All folded haystacks, concatenated (shared with the scan's helper threads; an
    /// `Arc` of the built buffers, not `Arc<str>`, which would copy them while the
    /// caseload loads: its memory peak).
    hay: Arc<String>,
    /// `hay[ends[i - 1]..ends[i]]` is the haystack of entry `i` (start 0).
    ends: Arc<Vec<usize>>,
    /// Per entry, bit set of the bytes present in its haystack.
    masks: Arc<Vec<u64>>,
    threads: usize,
    /// Current results, best first.
    hits: Vec<Hit>,
    /// Indices of `hits`, in entry order (candidates for narrowing).
    matched: Vec<usize>,
    /// Folded query that produced `hits`.
    last_query: String,
    /// Results of non-blank strict prefixes of `last_query`, shortest first.
    earlier: Vec<Searched>,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("entries", &self.entries.len())
            .field("hits", &self.hits.len())
            .field("last_query", &self.last_query)
            .finish()
    }
}

/// Bit of the occurrence mask for one byte of folded text.
#[inline]
fn byte_bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        0x80..=0xFF => 1 << 62,
        _ => 1 << (36 + b % 26),
    }
}

fn mask_of(s: &str) -> u64 {
    s.bytes().fold(0, |m, b| m | byte_bit(b))
}

/// Whether `needle` is a subsequence of `hay` (bytes). Implied by a skim
/// match on the same (folded, lowercase) texts.
#[inline]
fn is_subsequence(hay: &[u8], needle: &[u8]) -> bool {
    let mut rest = hay;
    for &n in needle {
        match rest.iter().position(|&h| h == n) {
            Some(p) => rest = &rest[p + 1..],
            None => return false,
        }
    }
    true
}

// Default `SkimScoreConfig` of fuzzy-matcher 0.3.7.
const SCORE_MATCH: i32 = 16;
const GAP_START: i32 = -3;
const GAP_EXTENSION: i32 = -1;
const BONUS_FIRST_CHAR_MULTIPLIER: i32 = 2;
const BONUS_HEAD: i32 = SCORE_MATCH / 2;
const BONUS_BREAK: i32 = SCORE_MATCH / 2 + GAP_EXTENSION;
const BONUS_CAMEL: i32 = SCORE_MATCH / 2 + 2 * GAP_EXTENSION;
const BONUS_CONSECUTIVE: i32 = -(GAP_START + GAP_EXTENSION);
const PENALTY_CASE_MISMATCH: i32 = GAP_EXTENSION * 2;
const NEG_INFINITY: i32 = i16::MIN as i32;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CharType {
    Empty,
    Upper,
    Lower,
    Number,
    HardSep,
    SoftSep,
}

impl CharType {
    const fn of_ascii(b: u8) -> Self {
        match b {
            b'\0' => CharType::Empty,
            b' ' | b'/' | b'\\' | b'|' | b'(' | b')' | b'[' | b']' | b'{' | b'}' => {
                CharType::HardSep
            }
            b'!'..=b'\'' | b'*'..=b'.' | b':'..=b'@' | b'^'..=b'`' | b'~' => CharType::SoftSep,
            b'0'..=b'9' => CharType::Number,
            b'A'..=b'Z' => CharType::Upper,
            _ => CharType::Lower,
        }
    }
}

/// `CharType` of every ASCII byte; everything else is `Lower`.
const ASCII_TYPES: [CharType; 128] = {
    let mut table = [CharType::Lower; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = CharType::of_ascii(b as u8);
        b += 1;
    }
    table
};

/// A text unit the scorer works on: bytes for ASCII texts (no decoding),
/// chars otherwise. Both behave exactly like the crate's `char` handling.
trait Unit: Copy + PartialEq {
    fn eq_ignore_case(self, other: Self) -> bool;
    fn char_type(self) -> CharType;
}

impl Unit for u8 {
    #[inline]
    fn eq_ignore_case(self, other: Self) -> bool {
        self.eq_ignore_ascii_case(&other)
    }
    #[inline]
    fn char_type(self) -> CharType {
        ASCII_TYPES
            .get(usize::from(self))
            .copied()
            .unwrap_or(CharType::Lower)
    }
}

impl Unit for char {
    #[inline]
    fn eq_ignore_case(self, other: Self) -> bool {
        self.eq_ignore_ascii_case(&other)
    }
    #[inline]
    fn char_type(self) -> CharType {
        ASCII_TYPES
            .get(self as usize)
            .copied()
            .unwrap_or(CharType::Lower)
    }
}

/// In-place bonus of a char given the type of the char before it.
#[inline]
fn in_place_bonus(prev: CharType, cur: CharType) -> i32 {
    match (prev, cur) {
        (CharType::Empty, _) | (CharType::HardSep, _) => BONUS_HEAD,
        (CharType::SoftSep, _) => BONUS_BREAK,
        (CharType::Lower, CharType::Upper) | (CharType::Number, CharType::Upper) => BONUS_CAMEL,
        _ => 0,
    }
}

#[derive(Clone, Copy)]
struct Cell {
    m: i32,
    p: i32,
    bonus: i32,
}

const RESET_CELL: Cell = Cell {
    m: NEG_INFINITY,
    p: NEG_INFINITY,
    bonus: 0,
};

/// Reusable buffers for [`skim_score`] (one per scanning thread).
#[derive(Default)]
struct Scratch {
    choice: Vec<char>,
    pattern: Vec<char>,
    first_matches: Vec<usize>,
    bonus: Vec<i32>,
    cells: Vec<Cell>,
}

/// [`skim_score`] for a one-char pattern. The crate's dynamic programming
/// then reduces to: the best, over occurrences, of match score + gap
/// extension + in-place bonus (the diagonal comes from the initial row).
fn single_char_score<T: Unit>(c: &[T], pc: T) -> Option<i64> {
    let mut best = None;
    for (j, &ch) in c.iter().enumerate() {
        if !ch.eq_ignore_case(pc) {
            continue;
        }
        let b = match j.checked_sub(1).and_then(|k| c.get(k)) {
            Some(prev) => in_place_bonus(prev.char_type(), ch.char_type()),
            None => in_place_bonus(CharType::Empty, ch.char_type()) * BONUS_FIRST_CHAR_MULTIPLIER,
        };
        let penalty = if ch == pc { 0 } else { PENALTY_CASE_MISMATCH };
        let score = GAP_EXTENSION + b + (SCORE_MATCH + penalty).max(0);
        best = Some(best.map_or(score, |s: i32| s.max(score)));
    }
    best.map(i64::from)
}

/// Score of `SkimMatcherV2::default().ignore_case().fuzzy_match(choice,
/// pattern)` as computed by a freshly built matcher: a line-by-line port of
/// its two-row ("compressed") dynamic programming, quirks included, without
/// state kept between calls and without allocation once `scratch` is warm.
fn skim_score(scratch: &mut Scratch, choice: &str, pattern: &str) -> Option<i64> {
    let Scratch {
        choice: c,
        pattern: p,
        first_matches: fm,
        bonus,
        cells,
    } = scratch;
    if choice.is_ascii() && pattern.is_ascii() {
        return match pattern.as_bytes() {
            [] => Some(0),
            &[pc] => single_char_score(choice.as_bytes(), pc),
            pattern => dp_score(choice.as_bytes(), pattern, fm, bonus, cells),
        };
    }
    c.clear();
    c.extend(choice.chars());
    p.clear();
    p.extend(pattern.chars());
    match p.as_slice() {
        [] => Some(0),
        &[pc] => single_char_score(c, pc),
        pattern => dp_score(c, pattern, fm, bonus, cells),
    }
}

/// The dynamic programming part of [`skim_score`] (pattern of 2+ units).
fn dp_score<T: Unit>(
    c: &[T],
    p: &[T],
    fm: &mut Vec<usize>,
    bonus: &mut Vec<i32>,
    cells: &mut Vec<Cell>,
) -> Option<i64> {
    // Greedy first match of each pattern char ("cheap_matches").
    fm.clear();
    for (idx, &ch) in c.iter().enumerate() {
        match p.get(fm.len()) {
            Some(&pc) if ch.eq_ignore_case(pc) => fm.push(idx),
            Some(_) => {}
            None => break,
        }
    }
    if fm.len() < p.len() {
        return None;
    }

    let n = c.len();
    let cols = n + 1;
    bonus.clear();
    bonus.resize(cols, 0);
    let mut prev = CharType::Empty;
    for (j, &ch) in c.iter().enumerate() {
        let cur = ch.char_type();
        bonus[j + 1] = in_place_bonus(prev, cur);
        prev = cur;
    }
    if cols > 1 {
        bonus[1] *= BONUS_FIRST_CHAR_MULTIPLIER;
    }

    cells.clear();
    cells.resize(2 * cols, RESET_CELL);
    let (row0, row1) = cells.split_at_mut(cols);
    row1[fm[0]] = RESET_CELL;
    for cell in row0.iter_mut() {
        cell.p = GAP_EXTENSION;
    }

    let c = &c[..n];
    let bonus = &bonus[..cols];
    for (i, &pc) in p.iter().enumerate() {
        // Pattern char i writes row (i + 1) % 2 and reads the other one.
        let (cur_row, prev_row): (&mut [Cell], &[Cell]) = if i & 1 == 0 {
            (&mut *row1, &*row0)
        } else {
            (&mut *row0, &*row1)
        };
        let start = fm[i];
        let mut last = cur_row[start];
        for j in start..n {
            let ch = c[j];
            let b = bonus[j + 1];
            let diag = prev_row[j];
            // A matched cell keeps its previous `bonus`, as in the crate.
            let mut cur = cur_row[j + 1];
            if ch.eq_ignore_case(pc) {
                let penalty = if ch == pc { 0 } else { PENALTY_CASE_MISMATCH };
                let match_score = (SCORE_MATCH + penalty).max(0);
                let consecutive = last.bonus.max(b.max(BONUS_CONSECUTIVE));
                cur_row[j].bonus = consecutive;
                cur.m = (diag.m + consecutive).max(diag.p + b) + match_score;
            } else {
                cur.m = NEG_INFINITY;
                cur.bonus = 0;
            }
            cur.p = (GAP_START + GAP_EXTENSION + last.m).max(GAP_EXTENSION + last.p);
            cur_row[j + 1] = cur;
            last = cur;
        }
    }

    let last_row: &[Cell] = if p.len() & 1 == 0 { row0 } else { row1 };
    let first_col = fm[fm.len() - 1];
    last_row[first_col..]
        .iter()
        .map(|cell| i64::from(cell.m))
        .max()
}

/// Part of `hay` that the skim matcher actually needs to score `word`:
/// from the char before the first occurrence of the word's first char to
/// the last occurrence of its last char. Chars outside never take part in
/// an alignment, and the in-place bonus of a char only depends on the char
/// before it, so the score is unchanged (checked by a proptest) while the
/// matcher does less work.
fn scoring_window<'h>(hay: &'h str, word: &str) -> &'h str {
    let (Some(first), Some(last)) = (word.chars().next(), word.chars().next_back()) else {
        return hay;
    };
    let (Some(first_at), Some(last_at)) = (hay.find(first), hay.rfind(last)) else {
        return hay;
    };
    let start = hay[..first_at]
        .char_indices()
        .next_back()
        .map_or(0, |(i, _)| i);
    let end = last_at + last.len_utf8();
    hay.get(start..end).filter(|w| !w.is_empty()).unwrap_or(hay)
}

/// Sorts hits given in entry order by score descending, ties in entry order.
fn sort_hits(hits: Vec<Hit>) -> Vec<Hit> {
    let (Some(min), Some(max)) = (
        hits.iter().map(|h| h.score).min(),
        hits.iter().map(|h| h.score).max(),
    ) else {
        return hits;
    };
    let range = max.saturating_sub(min);
    if range == 0 {
        return hits;
    }
    if range >= COUNTING_SORT_MAX_RANGE {
        let mut hits = hits;
        hits.sort_unstable_by_key(|h| (std::cmp::Reverse(h.score), h.index));
        return hits;
    }
    // Stable counting sort on (max - score).
    let bucket = |h: &Hit| (max - h.score) as usize;
    let mut starts = vec![0usize; range as usize + 2];
    for h in &hits {
        starts[bucket(h) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut out = vec![Hit { index: 0, score: 0 }; hits.len()];
    for h in hits {
        let slot = &mut starts[bucket(&h)];
        out[*slot] = h;
        *slot += 1;
    }
    out
}

/// Read-only data needed by a scan (shared between scan threads).
struct Scan<'a> {
    hay: &'a str,
    ends: &'a [usize],
    masks: &'a [u64],
    words: &'a [&'a str],
    mask: u64,
}

impl Scan<'_> {
    fn haystack(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.hay[start..self.ends[i]]
    }

    fn score(&self, scratch: &mut Scratch, i: usize) -> Option<i64> {
        if self.masks[i] & self.mask != self.mask {
            return None;
        }
        let hay = self.haystack(i);
        if !self
            .words
            .iter()
            .all(|w| is_subsequence(hay.as_bytes(), w.as_bytes()))
        {
            return None;
        }
        self.words.iter().try_fold(0i64, |acc, w| {
            Some(acc + skim_score(scratch, scoring_window(hay, w), w)?)
        })
    }

    /// Scores `candidates` (in entry order); returns hits in entry order.
    fn run(&self, candidates: &[usize]) -> Vec<Hit> {
        let mut scratch = Scratch::default();
        candidates
            .iter()
            .filter_map(|&index| {
                let score = self.score(&mut scratch, index)?;
                Some(Hit { index, score })
            })
            .collect()
    }
}

/// Chunks of candidates a shared scan is cut into (each a fraction of a millisecond).
const SHARED_CHUNKS: usize = 16;

/// What a scan needs, owned (helper threads outlive no borrow): the index's buffers are
/// shared, the candidates copied once.
struct Shared {
    hay: Arc<String>,
    ends: Arc<Vec<usize>>,
    masks: Arc<Vec<u64>>,
    words: Vec<String>,
    mask: u64,
    candidates: Arc<[usize]>,
}

/// The chunks of one shared scan: the next chunk to claim, each chunk's hits once done.
struct Work {
    shared: Shared,
    chunk: usize,
    count: usize,
    next: AtomicUsize,
    done: Mutex<Vec<Option<Vec<Hit>>>>,
    finished: Condvar,
}

impl Work {
    fn chunk(&self, i: usize) -> &[usize] {
        let c = &self.shared.candidates;
        &c[(i * self.chunk).min(c.len())..((i + 1) * self.chunk).min(c.len())]
    }

    /// Claims and scores chunks until none is left.
    fn drain(&self) {
        let sh = &self.shared;
        let words: Vec<&str> = sh.words.iter().map(String::as_str).collect();
        let scan = Scan {
            hay: &sh.hay,
            ends: &sh.ends,
            masks: &sh.masks,
            words: &words,
            mask: sh.mask,
        };
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.count {
                return;
            }
            let hits = scan.run(self.chunk(i));
            let mut done = self.done.lock().unwrap_or_else(|p| p.into_inner());
            done[i] = Some(hits);
            self.finished.notify_all();
        }
    }
}

/// Scores the candidates on the calling thread and `helpers` more, in entry order.
///
/// Work sharing rather than one fixed part per thread: the candidates are cut into small
/// chunks that whoever is running claims next, and the caller never waits for a helper that
/// has not started (on a loaded machine a new thread can wait several milliseconds for a
/// core: with fixed parts the keystroke waited for the last one scheduled). The caller waits
/// only for chunks a helper is scoring. Helpers are detached: one that starts after the
/// work is gone finds nothing to claim and ends. A helper that panics leaves its chunk
/// undone: the caller scores it itself. The hits are the same as one sequential scan's.
fn shared_scan(shared: Shared, helpers: usize) -> Vec<Hit> {
    let n = shared.candidates.len();
    let chunk = n.div_ceil(SHARED_CHUNKS).max(1);
    let count = n.div_ceil(chunk);
    let work = Arc::new(Work {
        shared,
        chunk,
        count,
        next: AtomicUsize::new(0),
        done: Mutex::new(vec![None; count]),
        finished: Condvar::new(),
    });
    let mut running = 0;
    for _ in 0..helpers {
        let w = Arc::clone(&work);
        if thread::Builder::new()
            .name("recherche".into())
            .spawn(move || w.drain())
            .is_ok()
        {
            running += 1;
        }
    }
    work.drain();
    let mut done = work.done.lock().unwrap_or_else(|p| p.into_inner());
    // Chunks still missing are being scored by a helper (claimed before the caller's
    // last claim); a helper that died (panic) wakes nobody, hence the timeout.
    let started = std::time::Instant::now();
    while running > 0 && done.iter().any(Option::is_none) {
        let Some(left) = HELPER_PATIENCE.checked_sub(started.elapsed()) else {
            break;
        };
        done = work
            .finished
            .wait_timeout(done, left)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    let mut hits = Vec::new();
    for i in 0..count {
        match done[i].take() {
            Some(part) => hits.extend(part),
            // Never scored (its helper failed): done here, same result.
            None => {
                let sh = &work.shared;
                let words: Vec<&str> = sh.words.iter().map(String::as_str).collect();
                let scan = Scan {
                    hay: &sh.hay,
                    ends: &sh.ends,
                    masks: &sh.masks,
                    words: &words,
                    mask: sh.mask,
                };
                hits.extend(scan.run(work.chunk(i)));
            }
        }
    }
    hits
}

/// How long the caller waits for a helper's chunk before scoring it itself (a helper that
/// panicked never delivers; a slow one is waited for about that long at most).
const HELPER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

impl SearchIndex {
    /// Builds the index (folds every entry once).
    pub fn new(entries: Vec<SearchEntry>) -> Self {
        let mut hay = String::with_capacity(
            entries
                .iter()
                .map(|e| e.display.len() + e.extra.len() + 1)
                .sum(),
        );
        let mut ends = Vec::with_capacity(entries.len());
        let mut masks = Vec::with_capacity(entries.len());
        for e in &entries {
            let start = hay.len();
            hay.push_str(&fold(&e.display));
            hay.push(' ');
            hay.push_str(&fold(&e.extra));
            masks.push(mask_of(&hay[start..]));
            ends.push(hay.len());
        }
        let threads = thread::available_parallelism()
            .map(NonZeroUsize::get)
            .unwrap_or(1)
            .min(MAX_THREADS);
        let hits = (0..entries.len())
            .map(|index| Hit { index, score: 0 })
            .collect();
        let matched = (0..entries.len()).collect();
        SearchIndex {
            entries,
            hay: Arc::new(hay),
            ends: Arc::new(ends),
            masks: Arc::new(masks),
            threads,
            hits,
            matched,
            last_query: String::new(),
            earlier: Vec::new(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `index` (as in [`Hit::index`]). Panics if out of range.
    pub fn entry(&self, index: usize) -> &SearchEntry {
        &self.entries[index]
    }

    /// All entries, in original order.
    pub fn entries(&self) -> &[SearchEntry] {
        &self.entries
    }

    /// Results of the last [`SearchIndex::search`] (all entries initially).
    pub fn hits(&self) -> &[Hit] {
        &self.hits
    }

    /// Searches `query`, best first (ties in original order). An empty or
    /// blank query gives all entries in original order with score 0. Every
    /// whitespace-separated word must match; word scores are summed.
    pub fn search(&mut self, query: &str) -> &[Hit] {
        let folded = fold(query);
        if folded == self.last_query {
            return &self.hits;
        }
        let words: Vec<&str> = folded.split_whitespace().collect();
        if words.is_empty() {
            self.hits = (0..self.entries.len())
                .map(|index| Hit { index, score: 0 })
                .collect();
            self.matched = (0..self.entries.len()).collect();
            self.last_query = folded;
            self.earlier.clear();
            return &self.hits;
        }

        // A match of the extended query implies a match of its prefix, so
        // the hits of the longest known prefix are the only candidates.
        let candidates = if folded.starts_with(&self.last_query) {
            if self.last_query.trim().is_empty() {
                std::mem::take(&mut self.matched)
            } else {
                // Forget the oldest (shortest) prefixes beyond the budget.
                let budget = EARLIER_HITS_PER_ENTRY * self.entries.len();
                let mut kept = self.hits.len();
                let mut keep_from = self.earlier.len();
                while keep_from > 0
                    && self.earlier.len() - keep_from < MAX_EARLIER - 1
                    && kept + self.earlier[keep_from - 1].hits.len() <= budget
                {
                    keep_from -= 1;
                    kept += self.earlier[keep_from].hits.len();
                }
                self.earlier.drain(..keep_from);
                let candidates = self.matched.clone();
                self.earlier.push(Searched {
                    query: std::mem::take(&mut self.last_query),
                    hits: std::mem::take(&mut self.hits),
                    matched: std::mem::take(&mut self.matched),
                });
                candidates
            }
        } else {
            // Keep only the prefixes of the new query; restore it if known.
            while self
                .earlier
                .last()
                .is_some_and(|e| !folded.starts_with(&e.query))
            {
                self.earlier.pop();
            }
            if let Some(e) = self.earlier.pop_if(|e| e.query == folded) {
                self.hits = e.hits;
                self.matched = e.matched;
                self.last_query = e.query;
                return &self.hits;
            }
            match self.earlier.last() {
                Some(e) => e.matched.clone(),
                None => (0..self.entries.len()).collect(),
            }
        };
        let scan = Scan {
            hay: &self.hay,
            ends: &self.ends,
            masks: &self.masks,
            words: &words,
            mask: words.iter().fold(0, |m, w| m | mask_of(w)),
        };
        let hits = if self.threads < 2 || candidates.len() < PARALLEL_THRESHOLD {
            scan.run(&candidates)
        } else {
            let shared = Shared {
                hay: Arc::clone(&self.hay),
                ends: Arc::clone(&self.ends),
                masks: Arc::clone(&self.masks),
                words: words.iter().map(|w| w.to_string()).collect(),
                mask: scan.mask,
                candidates: candidates.as_slice().into(),
            };
            shared_scan(shared, self.threads - 1)
        };

        let mut matched = candidates;
        matched.clear();
        matched.extend(hits.iter().map(|h| h.index));
        self.matched = matched;
        self.hits = sort_hits(hits);
        self.last_query = folded;
        &self.hits
    }

    /// Char positions in `entry(index).display` to highlight for `query`,
    /// sorted and deduplicated. Each query word that fuzzy-matches the
    /// display alone contributes its positions; words found only in the
    /// other fields contribute nothing. Empty for an out-of-range index.
    pub fn highlight(&self, index: usize, query: &str) -> Vec<usize> {
        let Some(entry) = self.entries.get(index) else {
            return Vec::new();
        };
        let folded_query = fold(query);
        let (display, map) = fold_with_map(&entry.display);
        // A fresh matcher: a reused one carries state between calls.
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut positions: Vec<usize> = folded_query
            .split_whitespace()
            .filter_map(|w| matcher.fuzzy_indices(&display, w))
            .flat_map(|(_, idx)| idx)
            .filter_map(|i| map.get(i).copied())
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions
    }

    /// Number of entries whose folded haystack contains the folded, trimmed
    /// query as a plain substring (all entries for a blank query). Used as
    /// the speed reference in benchmarks.
    pub fn substring_floor(&self, query: &str) -> usize {
        let folded = fold(query);
        let needle = folded.trim();
        if needle.is_empty() {
            return self.entries.len();
        }
        let mut start = 0;
        self.ends
            .iter()
            .filter(|&&end| {
                let found = self.hay[start..end].contains(needle);
                start = end;
                found
            })
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(id: i64, display: &str, extra: &str) -> SearchEntry {
        SearchEntry {
            id,
            display: display.into(),
            extra: extra.to_string(),
        }
    }

    fn sample() -> Vec<SearchEntry> {
        vec![
            entry(1, "DUPONT Marie (née MARTIN)", "2024-00123 Lyon 12/03/1985"),
            entry(2, "MARTIN Hélène", "2023-00077 Villeurbanne 01/07/1990"),
            entry(3, "LEFÈVRE François", "2022-00001 Vénissieux 23/11/2001"),
            entry(4, "ŒUVRARD Cœlio", "2021-04567 Bron 05/05/1979"),
            entry(5, "DUPONT Jean-Pierre", "2020-00999 Paris 30/12/1960"),
            entry(
                6,
                "N’DIAYE Aïssatou",
                "2024-01010 L’Haÿ-les-Roses 14/02/2003",
            ),
        ]
    }

    fn ids(idx: &mut SearchIndex, q: &str) -> Vec<i64> {
        let hits: Vec<Hit> = idx.search(q).to_vec();
        hits.iter().map(|h| idx.entry(h.index).id).collect()
    }

    #[test]
    fn empty_query_lists_everything_in_order() {
        let mut idx = SearchIndex::new(sample());
        assert_eq!(idx.len(), 6);
        assert!(!idx.is_empty());
        assert_eq!(idx.hits().len(), 6);
        assert_eq!(ids(&mut idx, "  "), vec![1, 2, 3, 4, 5, 6]);
        assert!(idx.search("").iter().all(|h| h.score == 0));
        assert_eq!(ids(&mut idx, "dupont"), vec![1, 5]);
        assert_eq!(ids(&mut idx, ""), vec![1, 2, 3, 4, 5, 6]);
        let mut empty = SearchIndex::new(Vec::new());
        assert!(empty.is_empty());
        assert!(empty.search("x").is_empty());
        assert!(empty.search("").is_empty());
    }

    #[test]
    fn accents_and_case_are_ignored() {
        let mut idx = SearchIndex::new(sample());
        assert_eq!(ids(&mut idx, "helene"), vec![2]);
        assert_eq!(ids(&mut idx, "HÉLÈNE"), vec![2]);
        assert_eq!(ids(&mut idx, "francois"), vec![3]);
        assert_eq!(ids(&mut idx, "oeuvrard"), vec![4]);
        assert!(ids(&mut idx, "coe").contains(&4));
        assert_eq!(ids(&mut idx, "n'diaye"), vec![6]);
        assert_eq!(ids(&mut idx, "n’diaye"), vec![6]);
        assert_eq!(ids(&mut idx, "aissatou"), vec![6]);
        assert_eq!(ids(&mut idx, "venissieux"), vec![3]);
    }

    #[test]
    fn stacked_accents_are_ignored() {
        let mut entries = sample();
        entries.push(entry(
            7,
            "NGUYỄN Thị Minh Khai",
            "2024-01011 Đà Lạt 02/02/1999",
        ));
        entries.push(entry(8, "NGUYEN Artur", "2024-01012 Lyon 03/03/1988"));
        entries.push(entry(9, "TRẦN Văn Đức", "2024-01013 Hà Nội 04/04/1977"));
        let mut idx = SearchIndex::new(entries);
        let mut got = ids(&mut idx, "nguyen");
        got.sort_unstable();
        assert_eq!(got, vec![7, 8]);
        assert_eq!(ids(&mut idx, "nguyen thi"), vec![7]);
        assert_eq!(ids(&mut idx, "Nguyễn"), vec![7, 8]);
        assert_eq!(ids(&mut idx, "duc"), vec![9]);
        assert_eq!(ids(&mut idx, "ha noi"), vec![9]);
        assert_eq!(ids(&mut idx, "da lat"), vec![7]);
        // highlight points at the display's chars, stacked accents included
        let display: Vec<char> = idx.entry(6).display.chars().collect();
        let picked: String = idx
            .highlight(6, "nguyen thi")
            .iter()
            .map(|&i| display[i])
            .collect();
        assert_eq!(picked, "NGUYỄNThị");
    }

    #[test]
    fn other_fields_are_searchable() {
        let mut idx = SearchIndex::new(sample());
        assert_eq!(ids(&mut idx, "12/03/1985"), vec![1]);
        assert_eq!(ids(&mut idx, "2021-04567"), vec![4]);
        assert_eq!(ids(&mut idx, "dupont lyon"), vec![1]);
        assert_eq!(ids(&mut idx, "lyon dupont"), vec![1]);
        assert_eq!(ids(&mut idx, "jean pierre"), vec![5]);
        assert!(ids(&mut idx, "zzz").is_empty());
    }

    #[test]
    fn best_matches_first() {
        let mut idx = SearchIndex::new(sample());
        // Both contain "martin"; the one whose name starts with it wins.
        let got = ids(&mut idx, "martin");
        assert_eq!(got, vec![2, 1]);
        let hits = idx.search("martin");
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn highlight_maps_back_to_display_chars() {
        let idx = SearchIndex::new(sample());
        // "MARTIN Hélène": h=7, é=8, l=9, è=10, n=11, e=12
        assert_eq!(idx.highlight(1, "helene"), vec![7, 8, 9, 10, 11, 12]);
        // "ŒUVRARD Cœlio": "oe" maps to Œ (0) or to œ (9), never to a fake index
        let pos = idx.highlight(3, "oeu");
        assert_eq!(pos, vec![0, 1]);
        let pos = idx.highlight(3, "coel");
        assert_eq!(pos, vec![8, 9, 10]);
        // word only in extra: nothing highlighted for it
        assert_eq!(idx.highlight(0, "lyon"), Vec::<usize>::new());
        assert_eq!(idx.highlight(0, "dupont lyon"), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(idx.highlight(99, "x"), Vec::<usize>::new());
        assert_eq!(idx.highlight(0, "  "), Vec::<usize>::new());
        // positions refer to chars of the display
        let display: Vec<char> = idx.entry(2).display.chars().collect();
        let pos = idx.highlight(2, "lefevre");
        let picked: String = pos.iter().map(|&i| display[i]).collect();
        assert_eq!(picked, "LEFÈVRE");
    }

    #[test]
    fn substring_floor_counts_plain_substrings() {
        let idx = SearchIndex::new(sample());
        assert_eq!(idx.substring_floor("dupont"), 2);
        assert_eq!(idx.substring_floor("HÉLÈNE"), 1);
        assert_eq!(idx.substring_floor("dpnt"), 0);
        assert_eq!(idx.substring_floor(" "), 6);
        assert_eq!(idx.substring_floor("12/03/1985"), 1);
    }

    #[test]
    fn narrowing_and_backspace_match_fresh_results() {
        let mut idx = SearchIndex::new(sample());
        let typed = "dupont ly";
        for end in 1..=typed.len() {
            let q = &typed[..end];
            let got = idx.search(q).to_vec();
            let fresh = SearchIndex::new(sample()).search(q).to_vec();
            assert_eq!(got, fresh, "query {q:?}");
        }
        for end in (0..typed.len()).rev() {
            let q = &typed[..end];
            let got = idx.search(q).to_vec();
            let fresh = SearchIndex::new(sample()).search(q).to_vec();
            assert_eq!(got, fresh, "query {q:?}");
        }
    }

    #[test]
    fn backspace_past_the_kept_prefixes_matches_fresh_results() {
        let mut idx = SearchIndex::new(sample());
        let typed = "dupont marie nee martin 2024-00123 lyon 12/03/1985";
        assert!(typed.len() > MAX_EARLIER + 2);
        let steps = (1..=typed.len()).chain((0..typed.len()).rev());
        for end in steps {
            let q = &typed[..end];
            let got = idx.search(q).to_vec();
            let fresh = SearchIndex::new(sample()).search(q).to_vec();
            assert_eq!(got, fresh, "query {q:?}");
            assert!(idx.earlier.len() <= MAX_EARLIER);
            let kept: usize = idx.earlier.iter().map(|e| e.hits.len()).sum();
            assert!(kept <= EARLIER_HITS_PER_ENTRY * idx.len());
        }
    }

    #[test]
    fn parallel_scan_matches_sequential() {
        let entries: Vec<SearchEntry> = (0..(PARALLEL_THRESHOLD as i64 * 2 + 17))
            .map(|i| {
                entry(
                    i,
                    &format!("NOM{} Prénom{}", i % 97, i % 13),
                    &format!("{:05} Ville{}", i, i % 7),
                )
            })
            .collect();
        let mut par = SearchIndex::new(entries.clone());
        par.threads = 2;
        let mut seq = SearchIndex::new(entries);
        seq.threads = 1;
        let mut many = SearchIndex::new(seq.entries().to_vec());
        many.threads = 5;
        for q in ["n", "nom1", "nom1 ville3", "prenom", "0"] {
            assert_eq!(par.search(q), seq.search(q), "query {q:?}");
            assert_eq!(many.search(q), seq.search(q), "query {q:?}, 4 helpers");
        }
    }

    #[test]
    fn sort_hits_is_score_desc_then_index() {
        let hits = vec![
            Hit { index: 0, score: 5 },
            Hit { index: 1, score: 9 },
            Hit { index: 2, score: 5 },
            Hit {
                index: 3,
                score: -4,
            },
            Hit { index: 4, score: 9 },
        ];
        let order: Vec<usize> = sort_hits(hits.clone()).iter().map(|h| h.index).collect();
        assert_eq!(order, vec![1, 4, 0, 2, 3]);
        let mut wide = hits;
        wide[3].score = -(1 << 40);
        let order: Vec<usize> = sort_hits(wide).iter().map(|h| h.index).collect();
        assert_eq!(order, vec![1, 4, 0, 2, 3]);
    }

    fn arb_entries() -> impl Strategy<Value = Vec<SearchEntry>> {
        let name = "[A-Za-zÉéèÇçŒœ' -]{0,14}";
        let extra = "[0-9a-z/ ]{0,12}";
        proptest::collection::vec((name, extra), 0..40).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (d, x))| entry(i as i64, &d, &x))
                .collect()
        })
    }

    /// Score of a brand-new crate matcher (no state from earlier calls).
    fn reference_score(choice: &str, pattern: &str) -> Option<i64> {
        SkimMatcherV2::default()
            .ignore_case()
            .fuzzy_match(choice, pattern)
    }

    #[test]
    fn skim_port_examples() {
        let mut s = Scratch::default();
        for (c, p) in [
            ("dupont marie (nee martin) 2024-00123 lyon", "martin"),
            ("martin helene", "martin"),
            ("axbycz", "abc"),
            ("abc", "abx"),
            ("", "a"),
            ("FooBar fOO", "fb"),
            ("a\0b", "b"),
            ("ééé", "É"),
        ] {
            assert_eq!(
                skim_score(&mut s, c, p),
                reference_score(c, p),
                "{c:?} {p:?}"
            );
        }
        assert_eq!(skim_score(&mut s, "abc", ""), Some(0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn skim_port_equals_fresh_skim_matcher(
            choice in "[a-eA-E0-9 '/()é.\\\\\0{}~-]{0,30}",
            pattern in "[a-eA-E0-9'/é. -]{0,6}",
        ) {
            let mut s = Scratch::default();
            // twice: a warm scratch must not change anything
            prop_assert_eq!(skim_score(&mut s, &choice, &pattern), reference_score(&choice, &pattern));
            prop_assert_eq!(skim_score(&mut s, &choice, &pattern), reference_score(&choice, &pattern));
        }

        #[test]
        fn scoring_window_keeps_the_score(
            hay in "[a-e0-9 '/()é-]{0,30}",
            word in "[a-e0-9'/é-]{1,5}",
        ) {
            let mut s = Scratch::default();
            let window = skim_score(&mut s, scoring_window(&hay, &word), &word);
            prop_assert_eq!(window, reference_score(&hay, &word));
        }
    }

    proptest! {
        #[test]
        fn narrowed_results_equal_fresh_results(
            entries in arb_entries(),
            query in "[a-eéœ' ]{0,4}",
            extension in "[a-eéœ ]{1,4}",
        ) {
            let mut idx = SearchIndex::new(entries.clone());
            idx.search(&query);
            let longer = format!("{query}{extension}");
            // type the extension one char at a time
            let mut typed = query.clone();
            for c in extension.chars() {
                typed.push(c);
                idx.search(&typed);
            }
            let narrowed = idx.search(&longer).to_vec();
            let fresh = SearchIndex::new(entries).search(&longer).to_vec();
            prop_assert_eq!(narrowed, fresh);
        }

        #[test]
        fn backspace_results_equal_fresh_results(
            entries in arb_entries(),
            typed in "[a-eéœ' ]{1,6}",
            retyped in "[a-eéœ ]{0,3}",
        ) {
            let mut idx = SearchIndex::new(entries.clone());
            let chars: Vec<char> = typed.chars().collect();
            let prefixes: Vec<String> = (1..=chars.len())
                .map(|k| chars[..k].iter().collect())
                .collect();
            // type, erase back to empty, then type something else
            let erase = prefixes.iter().rev().skip(1);
            let again = retyped.chars().scan(String::new(), |q, c| {
                q.push(c);
                Some(q.clone())
            });
            for q in prefixes.iter().chain(erase).cloned().chain(again) {
                let got = idx.search(&q).to_vec();
                let fresh = SearchIndex::new(entries.clone()).search(&q).to_vec();
                prop_assert_eq!(got, fresh, "query {:?}", q);
            }
        }

        #[test]
        fn highlight_positions_are_valid(entries in arb_entries(), query in "\\PC{0,6}") {
            let mut idx = SearchIndex::new(entries);
            let hits = idx.search(&query).to_vec();
            for h in hits {
                let n = idx.entry(h.index).display.chars().count();
                let pos = idx.highlight(h.index, &query);
                prop_assert!(pos.iter().all(|&p| p < n));
                prop_assert!(pos.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }
}
