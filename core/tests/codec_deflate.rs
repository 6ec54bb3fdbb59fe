//! deflate, zlib and gzip: round trips, streaming in pieces, gzip headers, multi-member
//! files, and the bad-input catalogue (truncation at every offset, every bit flip, bad
//! magic and checksums, reserved bits, trailing data, bombs). After every error every
//! pool buffer and state is back.
//!
//! Without `alloc` the streams are built here from stored blocks; with it, by bufpress's
//! encoder at several levels. Sizes shrink under Miri.
#![cfg(feature = "deflate")]

use bufpress::codec::deflate::{
    self, Decoder, DecoderState, Format, GzipHeader, InflateState, decompress_gzip_into,
    decompress_into,
};
use bufpress::codec::{self, Checksum, DecodeError, Decoder as _, Progress, Status};
use bufpress::pool::{Buf, RegionPool, ValuePool};

const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];
/// Miri runs miniz_oxide at a few KB/s: there every test runs on a few hundred
/// bytes and samples its cases, keeping the file under two minutes.
const MIRI: bool = cfg!(miri);
const BIG: usize = if MIRI { 33_000 } else { 1 << 20 };
/// Small under Miri: Stacked Borrows retags a whole slice on every reborrow, so time
/// there grows with the size of the buffers miniz_oxide writes into.
const OUT_SIZE: usize = if MIRI { 4096 } else { BIG + BIG / 8 + 4096 };
const SMALL: usize = 100;

// ---- data, checksums and hand-built streams ----------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Text-like, random, zeros or binary data, by `kind % 4`.
fn data(kind: usize, len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    const WORDS: [&[u8]; 8] = [
        b"pool ", b"buffer ", b"frame ", b"sensor ", b"data\n", b"the ", b"of ", b"zero ",
    ];
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        match kind % 4 {
            0 => out.extend_from_slice(WORDS[rng.below(WORDS.len())]),
            1 => out.extend_from_slice(&rng.next().to_le_bytes()),
            2 => out.push(0),
            _ => {
                let t = out.len() as u32 * 10 + rng.below(3) as u32;
                out.extend_from_slice(&t.to_le_bytes());
            }
        }
    }
    out.truncate(len);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Raw deflate of `data` in stored blocks (no compression), for builds without `alloc`.
fn stored_deflate(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Wraps raw deflate `body` of `content` as `format` (a plain 10-byte gzip header).
fn wrap(format: Format, body: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match format {
        Format::Raw => out.extend_from_slice(body),
        Format::Zlib => {
            out.extend_from_slice(&[0x78, 0x9c]);
            out.extend_from_slice(body);
            out.extend_from_slice(&adler32(content).to_be_bytes());
        }
        Format::Gzip => {
            out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
            out.extend_from_slice(body);
            out.extend_from_slice(&crc32(content).to_le_bytes());
            out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        }
    }
    out
}

/// `data` compressed as `format`: by bufpress at `level` with `alloc`, else in stored
/// blocks.
fn compress(format: Format, level: u8, data: &[u8]) -> Vec<u8> {
    #[cfg(feature = "alloc")]
    {
        let size = deflate::max_compressed_len(format, data.len());
        let mut mem = vec![0u8; size + 256];
        let pool = RegionPool::<1>::new(&mut mem, size, 4).unwrap();
        let mut out = pool.try_acquire().unwrap();
        thread_local! {
            // Built once per test thread: building it is slow under Miri.
            static STATE: std::cell::RefCell<deflate::CompressorState> =
                std::cell::RefCell::new(deflate::CompressorState::new());
        }
        STATE
            .with_borrow_mut(|state| deflate::compress_into(format, level, data, &mut out, state))
            .unwrap();
        out.to_vec()
    }
    #[cfg(not(feature = "alloc"))]
    {
        let _ = level;
        wrap(format, &stored_deflate(data), data)
    }
}

// ---- the rig: pools and states owned by one test, checked when it ends -------------

struct Rig<'a> {
    out: RegionPool<'a, 2>,
    small: RegionPool<'a, 4>,
    inflate: &'a ValuePool<InflateState, 1>,
    decoders: &'a ValuePool<DecoderState, 1>,
}

/// Runs `f` with fresh pools and states, then checks that all of them are back.
fn with_rig(f: impl FnOnce(&Rig<'_>)) {
    let mut big = vec![0u8; 2 * OUT_SIZE + 4096];
    let mut small = vec![0u8; 4 * SMALL + 4096];
    let inflate = Box::new(ValuePool::new([InflateState::new()]));
    let decoders = Box::new(ValuePool::new([DecoderState::new()]));
    let rig = Rig {
        out: RegionPool::new(&mut big, OUT_SIZE, 4).unwrap(),
        small: RegionPool::new(&mut small, SMALL, 4).unwrap(),
        inflate: &inflate,
        decoders: &decoders,
    };
    f(&rig);
    assert_eq!(
        rig.out.stats().in_use,
        0,
        "an output buffer was not returned"
    );
    assert_eq!(
        rig.small.stats().in_use,
        0,
        "a small buffer was not returned"
    );
    assert_eq!(
        rig.inflate.stats().in_use,
        0,
        "an inflate state was not returned"
    );
    assert_eq!(
        rig.decoders.stats().in_use,
        0,
        "a decoder state was not returned"
    );
}

impl Rig<'_> {
    /// One-shot decode into a fresh buffer of `cap` bytes (at most OUT_SIZE).
    fn oneshot_cap(
        &self,
        format: Format,
        input: &[u8],
        cap: usize,
    ) -> Result<Vec<u8>, DecodeError> {
        let mut out = self.out.try_acquire().unwrap();
        let mut state = self.inflate.try_acquire().unwrap();
        // Fill the buffer up to `OUT_SIZE - cap` so only `cap` bytes remain.
        let pad = OUT_SIZE - cap;
        out.spare_mut(pad).unwrap().fill(0xAA);
        out.commit(pad).unwrap();
        let result = decompress_into(format, input, &mut out, &mut state);
        match result {
            Ok(n) => {
                assert_eq!(out.len(), pad + n);
                Ok(out[pad..].to_vec())
            }
            Err(e) => {
                assert_eq!(out.len(), pad, "partial output kept after {e:?}");
                Err(e)
            }
        }
    }

    fn oneshot(&self, format: Format, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        self.oneshot_cap(format, input, OUT_SIZE)
    }

    /// Streaming decode of the whole input through 100-byte buffers with `decode_to`.
    /// Returns the output and the input consumed.
    fn streamed(&self, format: Format, input: &[u8]) -> Result<(Vec<u8>, usize), DecodeError> {
        let state = self.decoders.try_acquire().unwrap();
        let mut decoder = Decoder::new(format, state);
        let mut got = Vec::new();
        let used = codec::decode_to(&mut decoder, input, self.small.pool_ref(), |buf| {
            assert!(!buf.is_empty());
            got.extend_from_slice(&buf);
            Ok::<(), ()>(())
        })
        .map_err(|e| match e {
            codec::StreamError::Codec(e) => e,
            other => panic!("{other:?}"),
        })?;
        Ok((got, used))
    }

    /// Streaming decode with input in random pieces of at most `max_piece` bytes and
    /// output buffers of `SMALL` bytes, across gzip members; stops at the end of the
    /// stream. Returns the output and the input consumed.
    fn pieces(
        &self,
        format: Format,
        input: &[u8],
        max_piece: usize,
        seed: u64,
        limit: u64,
    ) -> Result<(Vec<u8>, usize), DecodeError> {
        let state = self.decoders.try_acquire().unwrap();
        let mut decoder = Decoder::new(format, state).with_limit(limit);
        run_pieces(&mut decoder, &self.small, input, max_piece, seed)
    }
}

fn run_pieces(
    decoder: &mut impl codec::Decoder,
    pool: &RegionPool<'_, 4>,
    input: &[u8],
    max_piece: usize,
    seed: u64,
) -> Result<(Vec<u8>, usize), DecodeError> {
    let mut rng = Rng(seed | 1);
    let mut got = Vec::new();
    let mut out: Buf<'_> = pool.try_acquire().unwrap();
    let mut at = 0;
    loop {
        let piece = &input[at..(at + 1 + rng.below(max_piece)).min(input.len())];
        let p: Progress = decoder.decode(piece, &mut out)?;
        assert!(p.consumed <= piece.len() && p.produced <= SMALL);
        at += p.consumed;
        match p.status {
            Status::OutputFull => {
                assert_eq!(out.remaining(), 0);
                got.extend_from_slice(&out);
                out.clear();
            }
            Status::NeedInput => {
                assert_eq!(p.consumed, piece.len(), "NeedInput left input");
                if at == input.len() {
                    return Err(DecodeError::Truncated);
                }
            }
            Status::Done => {
                if at == input.len() || (p.consumed == 0 && p.produced == 0) {
                    got.extend_from_slice(&out);
                    return Ok((got, at));
                }
            }
        }
    }
}

fn levels() -> &'static [u8] {
    if cfg!(not(feature = "alloc")) {
        &[0]
    } else if MIRI {
        &[6]
    } else {
        &[0, 1, 2, 6, 9, 10]
    }
}

/// `native`, or `miri` under Miri.
fn scaled<T>(native: T, miri: T) -> T {
    if MIRI { miri } else { native }
}

// ---- round trips ------------------------------------------------------------------

#[test]
fn round_trips_every_format_level_and_size() {
    let sizes: &[usize] = if MIRI {
        &[0, 300]
    } else {
        &[0, 1, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, BIG]
    };
    with_rig(|rig| {
        for (i, &len) in sizes.iter().enumerate() {
            for &level in levels() {
                // The largest size at the slow levels only once, in a debug build.
                if len == BIG && level > 6 && level != 9 {
                    continue;
                }
                let input = data(i + usize::from(level), len, len as u64 + 7);
                for format in FORMATS {
                    let packed = compress(format, level, &input);
                    assert!(packed.len() <= deflate::max_compressed_len(format, len));
                    let what = format!("{format:?} level {level} len {len}");
                    assert_eq!(
                        rig.oneshot(format, &packed).as_deref(),
                        Ok(&input[..]),
                        "{what}"
                    );
                    let (got, used) = rig.streamed(format, &packed).expect(&what);
                    assert_eq!(used, packed.len(), "{what}");
                    assert!(got == input, "{what}");
                }
            }
        }
    });
}

#[test]
fn streaming_in_random_pieces_gives_the_same_bytes() {
    let len = scaled(200_000, 600);
    with_rig(|rig| {
        for kind in 0..scaled(4, 1) {
            let input = data(kind, len, kind as u64);
            for format in FORMATS {
                let packed = compress(format, 6, &input);
                for (seed, max_piece) in [(1, 1), (2, 7), (3, 100), (4, 5000)] {
                    if (max_piece == 1 && kind != 0) || (MIRI && max_piece != 7) {
                        continue;
                    }
                    let (got, used) = rig
                        .pieces(format, &packed, max_piece, seed, u64::MAX)
                        .unwrap();
                    assert_eq!(used, packed.len());
                    assert!(got == input, "{format:?} kind {kind} pieces {max_piece}");
                }
            }
        }
    });
}

#[test]
fn one_shot_output_is_bounded_by_the_buffer() {
    let input = data(0, scaled(70_000, 300), 5);
    with_rig(|rig| {
        // An exact fit is enough at every level (stored, fast, lazy blocks).
        for &level in scaled(levels(), &[]) {
            for kind in 0..4 {
                let input = data(kind, 40_000 + kind, 2);
                for format in FORMATS {
                    let packed = compress(format, level, &input);
                    let got = rig.oneshot_cap(format, &packed, input.len()).unwrap();
                    assert!(got == input, "{format:?} level {level} kind {kind}");
                }
            }
        }
        for format in scaled(&FORMATS[..], &[Format::Gzip]) {
            let format = *format;
            let packed = compress(format, 6, &input);
            assert_eq!(
                rig.oneshot_cap(format, &packed, input.len()).unwrap(),
                input
            );
            for cap in scaled(
                vec![0, 1, input.len() / 2, input.len() - 1],
                vec![input.len() - 1],
            ) {
                assert_eq!(
                    rig.oneshot_cap(format, &packed, cap),
                    Err(DecodeError::OutputTooSmall {
                        needed: None,
                        capacity: OUT_SIZE
                    })
                );
            }
        }
    });
}

// ---- gzip headers and members -------------------------------------------------------

/// A gzip member of `content` with every optional field; `hcrc_delta` spoils FHCRC.
fn member_with_fields(content: &[u8], hcrc_delta: u16) -> Vec<u8> {
    let plain = compress(Format::Gzip, 6, content);
    let body = &plain[10..];
    // FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT
    let mut m = vec![0x1f, 0x8b, 8, 0b0001_1111, 1, 2, 3, 4, 0, 3];
    let extra = b"AB\x04\x00xyzw-and-more";
    m.extend_from_slice(&(extra.len() as u16).to_le_bytes());
    m.extend_from_slice(extra);
    m.extend_from_slice(b"file name.txt\0");
    m.extend_from_slice(b"a comment\0");
    let hcrc = (crc32(&m) as u16).wrapping_add(hcrc_delta);
    m.extend_from_slice(&hcrc.to_le_bytes());
    m.extend_from_slice(body);
    m
}

#[test]
fn gzip_headers_with_every_optional_field() {
    let content = data(0, scaled(3000, 100), 9);
    let good = member_with_fields(&content, 0);
    let bad = member_with_fields(&content, 1);
    with_rig(|rig| {
        assert_eq!(rig.oneshot(Format::Gzip, &good).unwrap(), content);
        for seed in 1..scaled(4, 2) {
            let (got, used) = rig
                .pieces(Format::Gzip, &good, 1 + seed as usize * 3, seed, u64::MAX)
                .unwrap();
            assert_eq!((got, used), (content.clone(), good.len()));
        }
        if !MIRI {
            let (got, _) = rig.pieces(Format::Gzip, &good, 1, 9, u64::MAX).unwrap();
            assert_eq!(got, content);
        }
        let header_error = |e: DecodeError| {
            matches!(
                e,
                DecodeError::Checksum {
                    kind: Checksum::Header,
                    ..
                }
            )
        };
        assert!(header_error(rig.oneshot(Format::Gzip, &bad).unwrap_err()));
        assert!(header_error(rig.streamed(Format::Gzip, &bad).unwrap_err()));
        assert!(header_error(
            rig.pieces(Format::Gzip, &bad, 2, 5, u64::MAX).unwrap_err()
        ));
        // Each optional field alone.
        let body = compress(Format::Gzip, 1, &content);
        for flag in scaled(vec![0u8, 1, 2, 4, 8, 16], vec![2, 28]) {
            let mut m = vec![0x1f, 0x8b, 8, flag, 0, 0, 0, 0, 0, 255];
            if flag & 4 != 0 {
                m.extend_from_slice(&[0, 0]); // an empty extra field
            }
            if flag & 8 != 0 {
                m.extend_from_slice(b"n\0");
            }
            if flag & 16 != 0 {
                m.extend_from_slice(b"\0");
            }
            if flag & 2 != 0 {
                let hcrc = crc32(&m) as u16;
                m.extend_from_slice(&hcrc.to_le_bytes());
            }
            m.extend_from_slice(&body[10..]);
            assert_eq!(
                rig.oneshot(Format::Gzip, &m).unwrap(),
                content,
                "flag {flag}"
            );
            assert_eq!(
                rig.pieces(Format::Gzip, &m, 3, 1, u64::MAX).unwrap().0,
                content
            );
        }
    });
}

/// `printf hi > hi.txt; touch -d @1700000000 hi.txt; gzip -N -c hi.txt` (gzip 1.12):
/// FNAME and MTIME set.
const GZIP_N: [u8; 29] = [
    0x1f, 0x8b, 0x08, 0x08, 0x00, 0xf1, 0x53, 0x65, 0x00, 0x03, 0x68, 0x69, 0x2e, 0x74, 0x78, 0x74,
    0x00, 0xcb, 0xc8, 0x04, 0x00, 0xac, 0x2a, 0x93, 0xd8, 0x02, 0x00, 0x00, 0x00,
];

impl Rig<'_> {
    /// One-shot gzip decoding that records the header into `room`.
    fn oneshot_header<'b>(
        &self,
        input: &[u8],
        room: &'b mut [u8],
    ) -> Result<(Vec<u8>, GzipHeader<'b>), DecodeError> {
        let mut out = self.out.try_acquire().unwrap();
        let mut state = self.inflate.try_acquire().unwrap();
        let mut header = GzipHeader::new(room);
        let r = decompress_gzip_into(input, &mut out, &mut state, &mut header);
        if r.is_err() {
            assert!(out.is_empty());
        }
        r.map(|n| {
            assert_eq!(n, out.len());
            (out.to_vec(), header)
        })
    }

    /// Streaming gzip decoding in pieces of 1 to `max_piece` bytes into 100-byte
    /// buffers, recording the header into `room`.
    fn pieces_header<'b>(
        &self,
        input: &[u8],
        max_piece: usize,
        room: &'b mut [u8],
    ) -> Result<(Vec<u8>, GzipHeader<'b>), DecodeError> {
        let mut decoder = Decoder::new(Format::Gzip, self.decoders.try_acquire().unwrap());
        let mut header = GzipHeader::new(room);
        let mut out = self.small.try_acquire().unwrap();
        let mut rng = Rng(max_piece as u64 | 1);
        let (mut got, mut at) = (Vec::new(), 0);
        loop {
            let piece = (1 + rng.below(max_piece)).min(input.len() - at);
            let p = decoder.decode_with_header(&input[at..at + piece], &mut out, &mut header)?;
            at += p.consumed;
            got.extend_from_slice(&out);
            out.clear();
            match p.status {
                Status::Done if at == input.len() => return Ok((got, header)),
                Status::NeedInput if at == input.len() => return Err(DecodeError::Truncated),
                _ => {}
            }
        }
    }
}

#[test]
fn gzip_header_fields_are_exposed() {
    with_rig(|rig| {
        // `gzip -N`: the name and the modification time.
        for max_piece in [GZIP_N.len(), 1, 3, 7] {
            let mut room = [0u8; 32];
            let (got, h) = if max_piece == GZIP_N.len() {
                rig.oneshot_header(&GZIP_N, &mut room).unwrap()
            } else {
                rig.pieces_header(&GZIP_N, max_piece, &mut room).unwrap()
            };
            assert_eq!(got, b"hi");
            assert!(h.is_complete());
            assert_eq!(h.name(), Some(&b"hi.txt"[..]), "pieces of {max_piece}");
            assert_eq!(
                (h.name_len(), h.mtime(), h.os()),
                (Some(6), 1_700_000_000, 3)
            );
            assert_eq!((h.extra(), h.comment(), h.header_crc()), (None, None, None));
            assert_eq!(
                (h.flags(), h.is_text(), h.is_truncated()),
                (0x08, false, false)
            );
        }

        // Hand-built: FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT, MTIME 0x04030201, OS 3.
        let content = data(0, scaled(2000, 100), 4);
        let member = member_with_fields(&content, 0);
        let check = |h: &GzipHeader<'_>| {
            assert!(h.is_complete() && !h.is_truncated());
            assert_eq!(h.extra(), Some(&b"AB\x04\x00xyzw-and-more"[..]));
            assert_eq!(h.name(), Some(&b"file name.txt"[..]));
            assert_eq!(h.comment(), Some(&b"a comment"[..]));
            assert_eq!((h.mtime(), h.xfl(), h.os()), (0x0403_0201, 0, 3));
            assert_eq!((h.flags(), h.is_text()), (0b0001_1111, true));
            // After the 10 fixed bytes, XLEN, 17 extra bytes, 14 of name, 10 of comment.
            let hcrc = u16::from_le_bytes([member[53], member[54]]);
            assert_eq!(h.header_crc(), Some(hcrc));
        };
        let mut room = [0u8; 64];
        let (got, h) = rig.oneshot_header(&member, &mut room).unwrap();
        assert_eq!(got, content);
        check(&h);
        for max_piece in scaled(vec![1, 2, 5, 13, 100], vec![1, 7]) {
            let mut room = [0u8; 64];
            let (got, h) = rig.pieces_header(&member, max_piece, &mut room).unwrap();
            assert_eq!(got, content);
            check(&h);
        }

        // A small buffer keeps the first bytes of each field and every length.
        let mut room = [0u8; 20];
        let (_, h) = rig.oneshot_header(&member, &mut room).unwrap();
        assert!(h.is_complete() && h.is_truncated());
        assert_eq!(h.extra(), Some(&b"AB\x04\x00xyzw-and-more"[..]));
        assert_eq!(h.name(), Some(&b"fil"[..]));
        assert_eq!(h.comment(), Some(&b""[..]));
        assert_eq!(
            (h.extra_len(), h.name_len(), h.comment_len()),
            (Some(17), Some(13), Some(9))
        );
        let (_, h) = rig.oneshot_header(&member, &mut []).unwrap();
        assert_eq!(
            (h.name(), h.name_len(), h.mtime()),
            (Some(&b""[..]), Some(13), 0x0403_0201)
        );

        // Empty fields are present and empty; a later member is not recorded.
        let body = compress(Format::Gzip, 1, &content);
        let mut m = vec![0x1f, 0x8b, 8, 0b0001_1100, 9, 0, 0, 0, 0, 255, 0, 0, 0, 0];
        m.extend_from_slice(&body[10..]);
        let mut two = m.clone();
        two.extend_from_slice(&member);
        let mut room = [0u8; 8];
        let (got, mut h) = rig.oneshot_header(&two, &mut room).unwrap();
        assert_eq!(got.len(), 2 * content.len());
        assert_eq!(
            (h.extra(), h.name(), h.comment()),
            (Some(&b""[..]), Some(&b""[..]), Some(&b""[..]))
        );
        assert_eq!((h.mtime(), h.os(), h.header_crc()), (9, 255, None));
        h.clear();
        assert!(!h.is_complete() && h.name().is_none());

        // A bad FHCRC: a typed error, the header left incomplete.
        let bad = member_with_fields(&content, 1);
        let mut room = [0u8; 64];
        assert!(matches!(
            rig.oneshot_header(&bad, &mut room),
            Err(DecodeError::Checksum {
                kind: Checksum::Header,
                ..
            })
        ));
        let mut room = [0u8; 64];
        assert!(matches!(
            rig.pieces_header(&bad, 3, &mut room),
            Err(DecodeError::Checksum {
                kind: Checksum::Header,
                ..
            })
        ));
    });
}

#[test]
fn multi_member_gzip_decodes_as_one_stream() {
    let parts = [
        data(0, scaled(5000, 60), 1),
        Vec::new(),
        data(1, scaled(700, 30), 2),
        data(2, scaled(40_000, 40), 3),
    ];
    let mut file = Vec::new();
    let mut whole = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 1 {
            file.extend_from_slice(&member_with_fields(part, 0));
        } else {
            file.extend_from_slice(&compress(Format::Gzip, 6, part));
        }
        whole.extend_from_slice(part);
    }
    with_rig(|rig| {
        assert_eq!(rig.oneshot(Format::Gzip, &file).unwrap(), whole);
        assert_eq!(
            rig.streamed(Format::Gzip, &file).unwrap(),
            (whole.clone(), file.len())
        );
        for (seed, max) in scaled(vec![(1, 2), (2, 50), (3, 4000)], vec![(2, 50)]) {
            let (got, used) = rig
                .pieces(Format::Gzip, &file, max, seed, u64::MAX)
                .unwrap();
            assert_eq!(used, file.len());
            assert!(got == whole);
        }
    });
}

// ---- the bad-input catalogue ---------------------------------------------------------

#[test]
fn truncation_at_every_offset_is_an_error() {
    let content = data(0, scaled(400, 100), 4);
    with_rig(|rig| {
        for format in FORMATS {
            for &level in scaled(&[0, 6][..], &[6]) {
                let packed = compress(format, level, &content);
                let step = scaled(1, packed.len() / 2 + 1);
                for cut in (0..packed.len()).step_by(step).chain([packed.len() - 1]) {
                    let part = &packed[..cut];
                    let what = format!("{format:?} level {level} cut {cut}/{}", packed.len());
                    let e = rig.oneshot(format, part).expect_err(&what);
                    assert_eq!(e, DecodeError::Truncated, "{what}");
                    assert_eq!(
                        rig.streamed(format, part).unwrap_err(),
                        DecodeError::Truncated,
                        "{what}"
                    );
                    if !MIRI {
                        let e = rig
                            .pieces(format, part, 5, cut as u64, u64::MAX)
                            .unwrap_err();
                        assert_eq!(e, DecodeError::Truncated, "{what}");
                    }
                }
            }
        }
    });
}

#[test]
fn every_bit_flip_of_a_gzip_member_is_an_error_or_the_same_output() {
    let content = data(0, scaled(120, 40), 6);
    let member = compress(Format::Gzip, 9, &content);
    let step = scaled(1, 53);
    with_rig(|rig| {
        let mut errors = 0;
        for bit in (0..member.len() * 8).step_by(step) {
            let mut m = member.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            match rig.oneshot(Format::Gzip, &m) {
                Ok(got) => assert_eq!(got, content, "bit {bit}"),
                Err(_) => errors += 1,
            }
            if let Ok((got, _)) = rig.streamed(Format::Gzip, &m) {
                assert_eq!(got, content, "bit {bit}");
            }
        }
        assert!(errors > 0);
    });
}

#[test]
fn every_bit_flip_of_raw_deflate_decodes_the_same_one_shot_and_streaming() {
    // No checksum here: a flipped stream may decode to other bytes, but both decoders
    // must agree (the streaming one checks distances like the one-shot one).
    let content = data(0, scaled(300, 60), 8);
    let packed = compress(Format::Raw, 6, &content);
    let step = scaled(1, 61);
    with_rig(|rig| {
        // Leave old bytes in the window first.
        let garbage = data(1, scaled(40_000, 500), 1);
        let _ = rig
            .streamed(Format::Raw, &stored_deflate(&garbage))
            .unwrap();
        for bit in (0..packed.len() * 8).step_by(step) {
            let mut m = packed.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            let one = rig.oneshot(Format::Raw, &m);
            let streamed = rig.streamed(Format::Raw, &m).map(|(v, _)| v);
            match (&one, &streamed) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "bit {bit}"),
                (Err(_), Err(_)) => {}
                // The one-shot reads the whole input; streaming stops at the end.
                (Err(DecodeError::TrailingData), Ok(_)) => {}
                _ => panic!("bit {bit}: one-shot {one:?} streaming {streamed:?}"),
            }
        }
    });
}

#[test]
fn a_distance_before_the_start_is_corrupt_even_with_an_old_window() {
    // A fixed-Huffman block whose first symbol is a match at distance 1.
    // Bits, LSB first: BFINAL=1, BTYPE=01; length code 257 (7 bits 0000001), distance
    // code 0 (5 bits), end of block (7 bits 0).
    let stream = [0x03, 0x02, 0x00, 0x00];
    with_rig(|rig| {
        let warm = stored_deflate(&data(0, 1000, 3));
        assert!(rig.streamed(Format::Raw, &warm).is_ok());
        assert_eq!(rig.oneshot(Format::Raw, &stream), Err(DecodeError::Corrupt));
        assert_eq!(
            rig.streamed(Format::Raw, &stream).unwrap_err(),
            DecodeError::Corrupt
        );
    });
}

#[test]
fn bad_magic_checksums_and_reserved_bits() {
    let content = data(0, scaled(2000, 100), 2);
    let gz = compress(Format::Gzip, 6, &content);
    let zl = compress(Format::Zlib, 6, &content);
    let n = gz.len();
    let edit = |src: &[u8], at: usize, x: u8| {
        let mut v = src.to_vec();
        v[at] ^= x;
        v
    };
    type Case = (Format, Vec<u8>, fn(DecodeError) -> bool);
    let mut cases: Vec<Case> = vec![
        (Format::Gzip, edit(&gz, 0, 1), |e| {
            e == DecodeError::BadMagic
        }),
        (Format::Gzip, edit(&gz, 1, 0x80), |e| {
            e == DecodeError::BadMagic
        }),
        (Format::Gzip, edit(&gz, 2, 1), |e| {
            e == DecodeError::Unsupported
        }),
        (Format::Gzip, edit(&gz, 3, 0x20), |e| {
            e == DecodeError::Reserved
        }),
        (Format::Gzip, edit(&gz, 3, 0x80), |e| {
            e == DecodeError::Reserved
        }),
        (Format::Gzip, edit(&gz, n - 8, 1), |e| {
            matches!(
                e,
                DecodeError::Checksum {
                    kind: Checksum::Content,
                    ..
                }
            )
        }),
        (Format::Gzip, edit(&gz, n - 1, 1), |e| {
            matches!(
                e,
                DecodeError::Checksum {
                    kind: Checksum::Length,
                    ..
                }
            )
        }),
        (Format::Zlib, edit(&zl, 1, 1), |e| {
            e == DecodeError::BadMagic
        }),
        (Format::Zlib, edit(&zl, zl.len() - 1, 1), |e| {
            matches!(
                e,
                DecodeError::Checksum {
                    kind: Checksum::Content,
                    ..
                }
            )
        }),
        (Format::Zlib, gz.clone(), |e| e == DecodeError::BadMagic),
        (Format::Gzip, zl.clone(), |e| e == DecodeError::BadMagic),
    ];
    // zlib: method 7 (FCHECK fixed), window 64 KiB, and a preset dictionary.
    let fix = |cmf: u8, flg: u8| {
        let flg = flg & 0xe0;
        let rem = ((u16::from(cmf) << 8) | u16::from(flg)) % 31;
        let mut v = zl.clone();
        v[0] = cmf;
        v[1] = flg | if rem == 0 { 0 } else { 31 - rem as u8 };
        v
    };
    cases.push((Format::Zlib, fix(0x77, 0x80), |e| {
        e == DecodeError::BadMagic
    }));
    cases.push((Format::Zlib, fix(0x88, 0x80), |e| {
        e == DecodeError::Reserved
    }));
    cases.push((Format::Zlib, fix(0x78, 0xa0), |e| {
        e == DecodeError::Unsupported
    }));
    with_rig(|rig| {
        for (i, (format, input, ok)) in cases.iter().enumerate() {
            let e = rig.oneshot(*format, input).unwrap_err();
            assert!(ok(e), "case {i}: one-shot {e:?}");
            let e = rig.streamed(*format, input).unwrap_err();
            assert!(ok(e), "case {i}: streaming {e:?}");
            if !MIRI {
                let e = rig
                    .pieces(*format, input, 3, i as u64, u64::MAX)
                    .unwrap_err();
                assert!(ok(e), "case {i}: pieces {e:?}");
            }
        }
        // Display is lowercase and says what failed.
        let e = rig.oneshot(Format::Gzip, &cases[5].1).unwrap_err();
        assert!(
            e.to_string().starts_with("content checksum mismatch"),
            "{e}"
        );
    });
}

#[test]
fn empty_input() {
    with_rig(|rig| {
        for format in FORMATS {
            assert_eq!(rig.oneshot(format, &[]), Err(DecodeError::Truncated));
            assert_eq!(
                rig.streamed(format, &[]).unwrap_err(),
                DecodeError::Truncated
            );
            let state = rig.decoders.try_acquire().unwrap();
            let mut decoder = Decoder::new(format, state);
            let mut out = rig.small.try_acquire().unwrap();
            let p = decoder.decode(&[], &mut out).unwrap();
            assert_eq!(
                p,
                Progress {
                    consumed: 0,
                    produced: 0,
                    status: Status::NeedInput
                }
            );
        }
    });
}

/// Trailing bytes after the end: the one-shot call fails with `TrailingData` (its input
/// must be exactly one stream); the streaming decoder stops at the end with `Done` and
/// `consumed` there, and, called again with the rest, says `Done` consuming nothing.
#[test]
fn trailing_data_after_the_end() {
    let content = data(0, scaled(3000, 60), 1);
    with_rig(|rig| {
        for format in FORMATS {
            let packed = compress(format, 6, &content);
            let all: [&[u8]; 6] = [
                b"\0",
                b"\0\0\0\0",
                b"garbage!",
                b"\x1f",
                b"\x1f\x8c",
                b"\x1f\x8b",
            ];
            for garbage in scaled(&all[..], &all[2..4]) {
                let mut input = packed.clone();
                input.extend_from_slice(garbage);
                let one = rig.oneshot(format, &input);
                let streamed = rig.streamed(format, &input);
                let what = format!("{format:?} + {garbage:?}");
                if format == Format::Gzip && garbage.starts_with(b"\x1f") && garbage != b"\x1f\x8c"
                {
                    // The start of another member, cut short.
                    assert_eq!(one, Err(DecodeError::Truncated), "{what}");
                    assert_eq!(streamed, Err(DecodeError::Truncated), "{what}");
                    continue;
                }
                assert_eq!(one, Err(DecodeError::TrailingData), "{what}");
                assert_eq!(streamed, Ok((content.clone(), packed.len())), "{what}");
                if !MIRI {
                    let (got, used) = rig.pieces(format, &input, 50, 3, u64::MAX).unwrap();
                    assert_eq!((got == content, used), (true, packed.len()), "{what}");
                }
            }
            // Done, then the rest: Done again with nothing consumed.
            let mut input = packed.clone();
            input.extend_from_slice(b"tail");
            let state = rig.decoders.try_acquire().unwrap();
            let mut decoder = Decoder::new(format, state);
            let mut out = rig.out.try_acquire().unwrap();
            let p = decoder.decode(&input, &mut out).unwrap();
            assert_eq!((p.consumed, p.status), (packed.len(), Status::Done));
            let p = decoder.decode(b"tail", &mut out).unwrap();
            assert_eq!(
                p,
                Progress {
                    consumed: 0,
                    produced: 0,
                    status: Status::Done
                }
            );
        }
    });
}

/// Raw deflate of `1 + 258 * matches` zero bytes, built by hand: one fixed-Huffman
/// block with a literal 0 and then matches of length 258 at distance 1 (13 bits each).
fn zero_bomb(matches: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u32, 0);
    let mut put = |code: u32, len: u32, msb_first: bool| {
        for i in 0..len {
            let bit = if msb_first {
                code >> (len - 1 - i)
            } else {
                code >> i
            } & 1;
            acc |= bit << n;
            n += 1;
            if n == 8 {
                out.push(acc as u8);
                (acc, n) = (0, 0);
            }
        }
    };
    put(1, 1, false); // BFINAL
    put(1, 2, false); // BTYPE 01: fixed Huffman
    put(0x30, 8, true); // literal 0
    for _ in 0..matches {
        put(0xC5, 8, true); // length 258 (symbol 285)
        put(0, 5, true); // distance 1
    }
    put(0, 7, true); // end of block
    put(0, 7, false); // pad to a byte
    out
}

#[test]
fn decompression_bombs_hit_the_limit() {
    // Miri: a hand-built raw bomb just over a window; natively every format at 4 MiB.
    let matches = scaled(16_000, 130);
    let len = 1 + 258 * matches;
    let zeros = vec![0u8; len];
    let limit = len as u64 / 4;
    with_rig(|rig| {
        for format in scaled(&FORMATS[..], &[Format::Raw]) {
            let format = *format;
            let bomb = if MIRI {
                zero_bomb(matches)
            } else {
                compress(format, 1, &zeros)
            };
            for max_piece in scaled(vec![bomb.len(), 10], vec![bomb.len()]) {
                let e = rig.pieces(format, &bomb, max_piece, 1, limit).unwrap_err();
                assert_eq!(
                    e,
                    DecodeError::LimitExceeded {
                        limit,
                        needed: None
                    }
                );
            }
            // The limit is inclusive, and nothing past it reaches the caller.
            assert_eq!(
                rig.pieces(format, &bomb, 1 << 20, 2, len as u64)
                    .unwrap()
                    .0
                    .len(),
                len
            );
            let state = rig.decoders.try_acquire().unwrap();
            let mut decoder = Decoder::new(format, state).with_limit(len as u64 - 1);
            let mut delivered = 0;
            let mut out = rig.small.try_acquire().unwrap();
            let mut rest = &bomb[..];
            let e = loop {
                match decoder.decode(rest, &mut out) {
                    Ok(p) => {
                        assert_ne!(p.status, Status::Done);
                        rest = &rest[p.consumed..];
                        delivered += p.produced;
                        out.clear();
                    }
                    Err(e) => break e,
                }
            };
            assert!(delivered < len, "{delivered}");
            assert_eq!(
                e,
                DecodeError::LimitExceeded {
                    limit: len as u64 - 1,
                    needed: None
                }
            );
            assert_eq!(decoder.total_out(), len as u64);
            // The error sticks until reset.
            assert_eq!(decoder.decode(&[], &mut out).unwrap_err(), e);
            decoder.reset();
            let short = wrap(format, &stored_deflate(b"after reset"), b"after reset");
            let p = decoder.decode(&short, &mut out).unwrap();
            assert_eq!((p.status, &out[..]), (Status::Done, &b"after reset"[..]));
        }
    });
}

#[test]
fn states_are_const_and_reused() {
    static STATES: ValuePool<InflateState, 2> = ValuePool::new([const { InflateState::new() }; 2]);
    static DECODERS: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);
    let text = data(0, scaled(10_000, 200), 3);
    let packed = FORMATS.map(|format| compress(format, 6, &text));
    with_rig(|rig| {
        for round in 0..scaled(3, 2) {
            for (format, packed) in FORMATS.into_iter().zip(&packed).skip(usize::from(MIRI)) {
                let mut out = rig.out.try_acquire().unwrap();
                let mut state = STATES.try_acquire().unwrap();
                decompress_into(format, packed, &mut out, &mut state).unwrap();
                assert!(out[..] == text[..], "round {round}");
                let mut decoder = Decoder::new(format, DECODERS.try_acquire().unwrap());
                out.clear();
                let p = decoder.decode(packed, &mut out).unwrap();
                assert_eq!((p.consumed, p.status), (packed.len(), Status::Done));
            }
        }
    });
    assert_eq!(STATES.stats().in_use, 0);
    assert_eq!(DECODERS.stats().in_use, 0);
}

#[test]
fn hand_built_stored_streams_decode_without_an_encoder() {
    let content = data(1, scaled(70_000, 2000), 4);
    with_rig(|rig| {
        for format in FORMATS {
            let packed = wrap(format, &stored_deflate(&content), &content);
            assert!(rig.oneshot(format, &packed).unwrap() == content);
            let max_piece = scaled(999, 500);
            assert!(
                rig.pieces(format, &packed, max_piece, 1, u64::MAX)
                    .unwrap()
                    .0
                    == content
            );
        }
        let empty = wrap(Format::Gzip, &stored_deflate(&[]), &[]);
        assert_eq!(rig.oneshot(Format::Gzip, &empty).unwrap(), Vec::<u8>::new());
    });
}

// ---- encoding -------------------------------------------------------------------------

#[cfg(feature = "alloc")]
mod encoding {
    use super::*;
    use bufpress::codec::deflate::{CompressorState, Encoder, compress_into};
    use bufpress::codec::{EncodeError, Encoder as _};

    /// Streaming encode with input in random pieces into `SMALL`-byte buffers.
    fn encode_pieces(
        encoder: &mut impl codec::Encoder,
        pool: &RegionPool<'_, 4>,
        input: &[u8],
        seed: u64,
        max_piece: usize,
    ) -> Vec<u8> {
        let mut rng = Rng(seed | 1);
        let mut got = Vec::new();
        let mut out = pool.try_acquire().unwrap();
        let mut at = 0;
        while at < input.len() {
            let piece = &input[at..(at + 1 + rng.below(max_piece)).min(input.len())];
            let p = encoder.encode(piece, &mut out).unwrap();
            at += p.consumed;
            if p.status == Status::OutputFull {
                got.extend_from_slice(&out);
                out.clear();
            } else {
                assert_eq!(p.consumed, piece.len());
            }
        }
        loop {
            let p = encoder.finish(&mut out).unwrap();
            got.extend_from_slice(&out);
            out.clear();
            if p.status == Status::Done {
                return got;
            }
        }
    }

    #[test]
    fn streaming_encode_in_pieces_matches_one_shot() {
        let len = scaled(64 * 1024, 150);
        let mut state = CompressorState::new();
        with_rig(|rig| {
            for kind in 0..scaled(4, 1) {
                let input = data(kind, len, 11);
                for format in scaled(&FORMATS[..], &[Format::Zlib]) {
                    let format = *format;
                    for &level in scaled(levels(), &[1, 6]) {
                        let one = compress(format, level, &input);
                        let mut encoder = Encoder::new(format, level, &mut state).unwrap();
                        let streamed = encode_pieces(&mut encoder, &rig.small, &input, 3, 5000);
                        assert_eq!(encoder.total_in(), len as u64);
                        assert_eq!(encoder.total_out(), streamed.len() as u64);
                        // Reuse after reset gives the same stream.
                        encoder.reset();
                        let again = encode_pieces(&mut encoder, &rig.small, &input, 4, 300);
                        assert!(rig.oneshot(format, &again).unwrap() == input);
                        // Level 1 (miniz_oxide's fast path) may cut blocks where the
                        // pieces end: other bytes, same content. The others match.
                        if level != 1 {
                            assert!(again == streamed);
                            assert!(one == streamed, "{format:?} level {level} kind {kind}");
                        }
                        assert!(rig.oneshot(format, &streamed).unwrap() == input);
                    }
                }
            }
        });
    }

    #[test]
    fn encode_to_and_decode_to_through_small_buffers() {
        let input = data(0, scaled(100_000, 200), 1);
        let mut state = CompressorState::new();
        with_rig(|rig| {
            for format in scaled(&FORMATS[..], &[Format::Gzip]) {
                let format = *format;
                let mut encoder = Encoder::new(format, 6, &mut state).unwrap();
                let mut packed = Vec::new();
                let n = codec::encode_to(&mut encoder, &input, rig.small.pool_ref(), |buf| {
                    assert!(!buf.is_empty());
                    packed.extend_from_slice(&buf);
                    Ok::<(), ()>(())
                })
                .unwrap();
                assert_eq!(n, packed.len());
                let (back, used) = rig.streamed(format, &packed).unwrap();
                assert_eq!((back == input, used), (true, packed.len()));
                // Empty message.
                encoder.reset();
                let mut empty = Vec::new();
                codec::encode_to(&mut encoder, &[], rig.small.pool_ref(), |buf| {
                    empty.extend_from_slice(&buf);
                    Ok::<(), ()>(())
                })
                .unwrap();
                assert_eq!(rig.oneshot(format, &empty).unwrap(), Vec::<u8>::new());
            }
        });
    }

    #[test]
    fn encoder_errors() {
        let mut state = CompressorState::new();
        with_rig(|rig| {
            assert_eq!(
                Encoder::new(Format::Gzip, 11, &mut state).err(),
                Some(EncodeError::InvalidSetting)
            );
            let mut out = rig.out.try_acquire().unwrap();
            assert_eq!(
                compress_into(Format::Raw, 200, b"x", &mut out, &mut state),
                Err(EncodeError::InvalidSetting)
            );
            let mut encoder = Encoder::new(Format::Zlib, 6, &mut state).unwrap();
            encoder.encode(b"abc", &mut out).unwrap();
            while encoder.finish(&mut out).unwrap().status != Status::Done {}
            assert_eq!(
                encoder.encode(b"more", &mut out),
                Err(EncodeError::Finished)
            );
            // `finish` again is harmless.
            let p = encoder.finish(&mut out).unwrap();
            assert_eq!((p.produced, p.status), (0, Status::Done));
            // Too small: the buffer is left as it was.
            let mut small = rig.small.try_acquire().unwrap();
            small.extend_from_slice(b"keep").unwrap();
            let input = data(1, scaled(1000, 200), 1);
            let e = compress_into(Format::Gzip, 6, &input, &mut small, &mut state).unwrap_err();
            assert_eq!(
                e,
                EncodeError::OutputTooSmall {
                    needed: Some(deflate::max_compressed_len(Format::Gzip, input.len())),
                    capacity: SMALL
                }
            );
            assert_eq!(&small[..], b"keep");
            // The state works after the failure.
            out.clear();
            compress_into(Format::Gzip, 6, &input, &mut out, &mut state).unwrap();
            assert!(rig.oneshot(Format::Gzip, &out).unwrap() == input);
        });
    }

    #[test]
    fn incompressible_data_stays_within_the_bound() {
        let mut state = CompressorState::new();
        let lens = scaled(vec![0, 1, 100, 31 * 1024, 65_536, 300_000], vec![150]);
        with_rig(|rig| {
            for &len in &lens {
                let input = data(1, len, len as u64);
                for format in scaled(&FORMATS[..], &[Format::Gzip]) {
                    let format = *format;
                    for &level in scaled(levels(), &[0, 6]) {
                        let bound = deflate::max_compressed_len(format, len);
                        let mut out = rig.out.try_acquire().unwrap();
                        // Exactly the bound must suffice.
                        let pad = OUT_SIZE - bound;
                        out.commit(pad).unwrap();
                        let n = compress_into(format, level, &input, &mut out, &mut state).unwrap();
                        assert!(n <= bound);
                    }
                }
            }
        });
    }
}
