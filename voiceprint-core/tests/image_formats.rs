//! Image decoding on committed fixtures (a crop of scikit-image's `chelsea.png`
//! in every format, written by Pillow in scripts/make_image_models.py): every
//! format, EXIF orientation, and every bad input returning its error.

use std::path::PathBuf;

use proptest::prelude::*;
use voiceprint_core::image::{decode_image_bytes, decode_image_file, ImageLimits, RgbImage};
use voiceprint_core::Error;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/images")
        .join(name)
}

fn decode(name: &str) -> RgbImage {
    decode_image_file(fixture(name), &ImageLimits::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!((a.width(), a.height()), (b.width(), b.height()));
    let sum: u64 = a
        .as_bytes()
        .iter()
        .zip(b.as_bytes())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.as_bytes().len() as f64
}

#[test]
fn every_format_decodes_to_the_same_picture() {
    let png = decode("chelsea.png");
    assert_eq!((png.width(), png.height()), (96, 64));
    for lossless in ["chelsea.bmp", "chelsea.tiff", "chelsea.webp"] {
        assert_eq!(decode(lossless), png, "{lossless} differs from the PNG");
    }
    // Lossy: JPEG at quality 95, GIF quantised to a 256-colour palette.
    let jpg = mean_abs_diff(&decode("chelsea.jpg"), &png);
    let gif = mean_abs_diff(&decode("chelsea.gif"), &png);
    println!("mean abs diff vs PNG: jpeg {jpg:.2}, gif {gif:.2} (of 255)");
    assert!(jpg < 3.0, "jpeg {jpg}");
    assert!(gif < 6.0, "gif {gif}");
    // The format comes from the content, not the name.
    let bytes = std::fs::read(fixture("chelsea.webp")).unwrap();
    assert_eq!(
        decode_image_bytes(&bytes, &ImageLimits::default()).unwrap(),
        png
    );
}

#[test]
fn exif_orientation_is_applied() {
    // Stored rotated 90 degrees anticlockwise with orientation 6 ("turn clockwise to view").
    let oriented = decode("chelsea_exif6.jpg");
    let png = decode("chelsea.png");
    assert_eq!((oriented.width(), oriented.height()), (96, 64));
    let d = mean_abs_diff(&oriented, &png);
    assert!(d < 3.0, "orientation not applied: mean abs diff {d}");
}

#[test]
fn truncated_images_are_corrupt_input() {
    for name in ["truncated_chelsea.png", "truncated_chelsea.jpg"] {
        match decode_image_file(fixture(name), &ImageLimits::default()) {
            Err(Error::CorruptInput { what: "image", .. }) => {}
            other => panic!("{name}: expected CorruptInput, got {other:?}"),
        }
    }
}

#[test]
fn bad_inputs_return_their_errors() {
    let l = ImageLimits::default();
    assert!(matches!(
        decode_image_bytes(&[], &l),
        Err(Error::EmptyInput { what: "image" })
    ));
    assert!(matches!(
        decode_image_bytes(b"RIFF\0\0\0\0WAVEfmt this is audio", &l),
        Err(Error::UnsupportedFormat { what: "image", .. })
    ));
    assert!(matches!(
        decode_image_file(fixture("no-such-image.png"), &l),
        Err(Error::Io { .. })
    ));
    let bytes = std::fs::read(fixture("chelsea.png")).unwrap();
    let small = ImageLimits {
        max_bytes: 1000,
        ..l
    };
    assert!(matches!(
        decode_image_bytes(&bytes, &small),
        Err(Error::InputTooLarge { unit: "bytes", .. })
    ));
    assert!(matches!(
        decode_image_file(fixture("chelsea.png"), &small),
        Err(Error::InputTooLarge { unit: "bytes", .. })
    ));
    let few = ImageLimits {
        max_pixels: 96 * 64 - 1,
        ..l
    };
    assert!(matches!(
        decode_image_bytes(&bytes, &few),
        Err(Error::InputTooLarge {
            unit: "pixels",
            actual: 6144,
            ..
        })
    ));
}

/// CRC-32 (IEEE) of PNG chunks, for hand-made headers.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_with_size(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], body: &[u8]| {
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(body);
        out.extend_from_slice(&typed);
        out.extend_from_slice(&crc32(&typed).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(b"IHDR", &ihdr);
    // A few bytes of zlib that would inflate to far more than they are.
    chunk(b"IDAT", &[0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn decompression_bombs_are_refused_before_decoding() {
    // 60,000 x 60,000 pixels claimed by a 70-byte file: refused by its header.
    let bomb = png_with_size(60_000, 60_000);
    assert!(bomb.len() < 100);
    match decode_image_bytes(&bomb, &ImageLimits::default()) {
        Err(Error::InputTooLarge {
            unit: "pixels",
            actual,
            ..
        }) => assert_eq!(actual, 3_600_000_000),
        other => panic!("expected InputTooLarge, got {other:?}"),
    }
    // A zero-size header is empty, not a crash.
    assert!(decode_image_bytes(&png_with_size(0, 10), &ImageLimits::default()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = decode_image_bytes(&bytes, &ImageLimits::default());
    }

    #[test]
    fn damaged_fixtures_never_panic(
        which in 0usize..6, cut in 0.0f64..1.0, flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..8)
    ) {
        let name = ["chelsea.png", "chelsea.jpg", "chelsea.webp", "chelsea.gif", "chelsea.bmp", "chelsea.tiff"][which];
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        for (at, v) in flips {
            let i = (at * bytes.len() as f64) as usize % bytes.len();
            bytes[i] = v;
        }
        bytes.truncate(((cut * bytes.len() as f64) as usize).max(1));
        let _ = decode_image_bytes(&bytes, &ImageLimits::default());
    }
}
