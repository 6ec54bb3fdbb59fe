//! lz4 round trips: any input through the block compressor and through frames (block
//! size, mode and checksums chosen by the fuzzer), one-shot and streaming with
//! fuzzer-sized pieces and buffers; what comes back is the input.
#![no_main]

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder, FrameSettings, Table};
use bufpress::codec::{Encode, decode_into};
use bufpress::pool::{Pool, ValuePool};
use bufpress_fuzz::{Pieces, one_shot, split};
use libfuzzer_sys::fuzz_target;

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static PACKED: Pool<1, { 1 << 18 }> = Pool::new();
static PLAIN: Pool<1, { 1 << 18 }> = Pool::new();
static SMALL: Pool<1, 64> = Pool::new();
static TABLES: ValuePool<Table, 1> = ValuePool::new([const { Table::new() }]);
static ENCODERS: ValuePool<Encoder<ENC>, 1> = ValuePool::new([const { Encoder::new() }]);
static DECODERS: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let mut table = TABLES.try_acquire().unwrap();
    let (mut packed, mut plain) = (PACKED.try_acquire().unwrap(), PLAIN.try_acquire().unwrap());

    // Blocks.
    let n = one_shot(&mut packed, 0, |out| {
        lz4::compress_into(input, out, &mut table)
    })
    .unwrap();
    assert_eq!(n, packed.len());
    let m = one_shot(&mut plain, 0, |out| lz4::decompress_into(&packed, out)).unwrap();
    assert!(plain[..m] == *input);
    // Too small an output is an error, not a partial block.
    let mut small = SMALL.try_acquire().unwrap();
    if lz4::max_compressed_len(input.len()) > 64 {
        let _ = one_shot(&mut small, 0, |out| {
            lz4::compress_into(input, out, &mut table)
        });
    }

    // Frames: settings from the control word.
    let settings = FrameSettings::new()
        .with_block_size(BlockSize::Max64KiB)
        .with_block_mode(if ctl & 1 == 0 {
            BlockMode::Independent
        } else {
            BlockMode::Linked
        })
        .with_block_checksum(ctl & 2 != 0)
        .with_content_checksum(ctl & 4 != 0)
        .with_content_size((ctl & 8 != 0).then_some(input.len() as u64));
    one_shot(&mut packed, 0, |out| {
        lz4::compress_frame_into(input, out, &settings, &mut table)
    })
    .unwrap();
    let m = one_shot(&mut plain, 0, |out| {
        lz4::decompress_frame_into(&packed, out)
    })
    .unwrap();
    assert!(plain[..m] == *input);

    // Streaming encoder in pieces into small buffers, then the streaming decoder.
    let mut encoder = ENCODERS.try_acquire().unwrap();
    encoder
        .set_settings(settings.with_content_size(None))
        .unwrap();
    let mut frame = Vec::new();
    let mut pieces = Pieces::new(ctl >> 4);
    let mut at = 0;
    loop {
        small.clear();
        let end = (at + pieces.next_len()).min(input.len());
        let p = if at < input.len() {
            encoder.encode(&input[at..end], &mut small).unwrap()
        } else {
            encoder.finish(&mut small).unwrap()
        };
        frame.extend_from_slice(&small);
        let finishing = at == input.len();
        at += p.consumed;
        if finishing && p.status == bufpress::codec::Status::Done {
            break;
        }
    }
    let mut decoder = DECODERS.try_acquire().unwrap();
    plain.clear();
    let m = decode_into(&mut *decoder, &frame, &mut plain).unwrap();
    assert!(plain[..m] == *input);

    drop((table, packed, plain, small, encoder, decoder));
    for available in [
        PACKED.stats().available,
        PLAIN.stats().available,
        SMALL.stats().available,
    ] {
        assert_eq!(available, 1);
    }
});
