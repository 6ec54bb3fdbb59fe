//! gzip headers with every optional field, the header fields a decoder exposes, and
//! multi-member files decoding as one stream.
#![cfg(feature = "deflate")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod deflate_support;
use deflate_support::*;

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
        let mut rng = Rng::new(max_piece as u64);
        let (mut got, mut at) = (Vec::new(), 0);
        loop {
            let piece = (1 + rng.below(max_piece)).min(input.len() - at);
            let p = decoder.decode_with_header(&input[at..at + piece], &mut out, &mut header)?;
            at += p.consumed;
            got.extend_from_slice(&out);
            out.clear();
            match p.status {
                Status::Done if at == input.len() => return Ok((got, header)),
                // After all the input, an empty piece says it ended.
                Status::NeedInput if piece == 0 => return Err(DecodeError::Truncated),
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

/// Feeds the non-empty `pieces` in turn through `Decode::decode` into 100-byte buffers, then the
/// call with no input that says the input has ended (repeated while the output is
/// full). Returns the output, the input consumed, and whether any call with input
/// answered `Done` (`Some(piece index)`).
fn feed(
    rig: &Rig<'_>,
    format: Format,
    pieces: &[&[u8]],
) -> Result<(Vec<u8>, usize, Option<usize>), DecodeError> {
    let mut decoder = Decoder::new(format, rig.decoders.try_acquire().unwrap());
    let mut out = rig.small.try_acquire().unwrap();
    let (mut got, mut used, mut early) = (Vec::new(), 0, None);
    // An empty piece would say that the input ended: only the last call has none.
    for (i, piece) in pieces.iter().enumerate().filter(|(_, p)| !p.is_empty()) {
        let mut rest = *piece;
        loop {
            let p = decoder.decode(rest, &mut out)?;
            rest = &rest[p.consumed..];
            used += p.consumed;
            got.extend_from_slice(&out);
            out.clear();
            match p.status {
                Status::OutputFull => {}
                Status::NeedInput => {
                    assert!(rest.is_empty(), "NeedInput left input");
                    break;
                }
                Status::Done => {
                    early.get_or_insert(i);
                    break;
                }
            }
        }
    }
    loop {
        let p = decoder.decode(&[], &mut out)?;
        assert_eq!(p.consumed, 0);
        got.extend_from_slice(&out);
        out.clear();
        match p.status {
            Status::OutputFull => {}
            Status::NeedInput => return Err(DecodeError::Truncated),
            Status::Done => return Ok((got, used, early)),
        }
    }
}

/// Where the caller's input is cut does not change what a two-member gzip stream
/// decodes to: cut anywhere (exactly at the members' boundary too) or fed a byte at a
/// time, both members come out, and `Done` comes only from the call with no input
/// (another member could follow until then). zlib and raw deflate still end with
/// `Done` at their last byte; input after a member that is not a gzip member is left
/// unconsumed with `Done`.
#[test]
fn gzip_members_decode_whole_wherever_the_input_is_cut() {
    let (a, b) = (data(0, scaled(2000, 150), 5), data(3, scaled(1500, 100), 6));
    let first = compress(Format::Gzip, 6, &a);
    let file = [first.clone(), compress(Format::Gzip, 1, &b)].concat();
    let whole = [a.clone(), b].concat();
    let boundary = first.len();
    with_rig(|rig| {
        let cuts: Vec<usize> = if MIRI {
            vec![0, 1, boundary - 1, boundary, boundary + 1, file.len()]
        } else {
            (0..=file.len()).collect()
        };
        for cut in cuts {
            let (x, y) = file.split_at(cut);
            let r = feed(rig, Format::Gzip, &[x, y]);
            assert_eq!(r, Ok((whole.clone(), file.len(), None)), "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = file.chunks(1).collect();
        assert_eq!(
            feed(rig, Format::Gzip, &bytes),
            Ok((whole.clone(), file.len(), None))
        );
        // The end-of-input call inside a member is still truncation.
        for cut in [boundary + 1, file.len() - 1] {
            assert_eq!(
                feed(rig, Format::Gzip, &[&file[..cut]]),
                Err(DecodeError::Truncated),
                "cut at {cut}"
            );
        }

        // zlib and raw deflate: `Done` at the last byte, with no end-of-input call.
        for format in [Format::Zlib, Format::Raw] {
            let packed = compress(format, 6, &a);
            let r = feed(rig, format, &[&packed]);
            assert_eq!(r, Ok((a.clone(), packed.len(), Some(0))), "{format:?}");
        }

        // Not a gzip member after one: `Done`, the rest left to the caller, whether it
        // comes in the same call or the next one.
        let garbage = b"trailing, not gzip";
        let with_garbage = [&first[..], garbage].concat();
        for cut in [boundary, boundary + 1, with_garbage.len()] {
            let (x, y) = with_garbage.split_at(cut);
            let r = feed(rig, Format::Gzip, &[x, y]);
            let piece = usize::from(cut == boundary);
            assert_eq!(r, Ok((a.clone(), boundary, Some(piece))), "cut at {cut}");
        }
    });
}
