//! Image feature vectors end to end on real images (scikit-image's sample
//! data, extracted by scripts/setup.sh into third_party/images): the
//! preprocessing profiles against the Pillow + numpy reference, embeddings
//! against onnxruntime in Python on that reference input (both written by
//! scripts/make_image_models.py), batching, the SQLite image index and
//! near-duplicate search.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use voiceprint_core::embed::{ImageEncoder, ImageModelSpec, OnnxImageEncoder};
use voiceprint_core::features::{preprocess_image, ImageProfile, ResizeMode, TensorLayout};
use voiceprint_core::image::{decode_image_file, ImageInput, PixelFormat, RawPixels};
use voiceprint_core::store::{SqliteStore, Status, VectorStore};
use voiceprint_core::{Error, ErrorKind, ImageIndex, MemoryStore};
use voiceprint_tests::{fixture, repo_root, require, runtime};

fn images_dir() -> Option<PathBuf> {
    require(
        repo_root().join("third_party/images"),
        "sample images",
        "run scripts/setup.sh (it extracts them from the scikit-image wheel)",
    )
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("images/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn model_for(profile: &str) -> PathBuf {
    let layout = if profile == "keras-mobilenetv2" {
        "nhwc"
    } else {
        "nchw"
    };
    fixture(&format!("images/tiny_cnn_{layout}.onnx"))
}

fn encoder(profile: &str, output: &str, normalize: bool) -> OnnxImageEncoder {
    let spec = ImageModelSpec {
        normalize,
        ..ImageModelSpec::new("tiny-cnn", profile)
            .unwrap()
            .with_output(output)
    };
    OnnxImageEncoder::load(model_for(profile), spec, &runtime()).unwrap()
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn preprocessing_matches_pillow_and_numpy() {
    let Some(dir) = images_dir() else { return };
    let exp = expected();
    let positions: Vec<usize> = exp["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as usize)
        .collect();
    for (name, per_profile) in exp["images"].as_object().unwrap() {
        for (profile, want) in per_profile.as_object().unwrap() {
            let enc = encoder(profile, "features", true);
            let t = enc.preprocess(ImageInput::Path(&dir.join(name))).unwrap();
            let p = ImageProfile::preset(profile).unwrap();
            // One 8-bit level, in the tensor's units: 1 / (255 * std).
            let level = 1.0 / (255.0 * p.std.iter().cloned().fold(f32::INFINITY, f32::min));
            let got: Vec<f32> = positions.iter().map(|&i| t.data[i]).collect();
            let d = max_diff(&got, &floats(&want["samples"]));
            println!("{name} {profile}: max diff {:.3} levels", d / level);
            assert!(
                d <= level * 1.0001,
                "{name} {profile}: {d} is more than one 8-bit level ({level})"
            );
        }
    }
}

/// Images whose Pillow-resized pixels are committed (`pillow_<profile>_<stem>.png`).
const PIXEL_IMAGES: &[&str] = &["chelsea.png", "camera.png", "rocket.jpg"];

fn pillow_pixels(profile: &str, image: &str) -> PathBuf {
    let stem = image.rsplit_once('.').map_or(image, |(s, _)| s);
    fixture(&format!("images/pillow_{profile}_{stem}.png"))
}

/// The same profile without the resize: Pillow's pixels are already 224x224.
fn no_resize(profile: &str) -> ImageProfile {
    ImageProfile {
        resize: ResizeMode::Stretch,
        ..ImageProfile::preset(profile).unwrap()
    }
}

#[test]
fn whole_images_match_pillow() {
    let Some(dir) = images_dir() else { return };
    for profile in ["torchvision", "keras-mobilenetv2", "clip"] {
        for name in PIXEL_IMAGES {
            let ours = preprocess_image(
                &ImageInput::Path(&dir.join(name))
                    .decode(&Default::default())
                    .unwrap(),
                &ImageProfile::preset(profile).unwrap(),
            )
            .unwrap();
            let pillow =
                decode_image_file(pillow_pixels(profile, name), &Default::default()).unwrap();
            // Pillow's pixels through the same normalisation.
            let reference = preprocess_image(&pillow, &no_resize(profile)).unwrap();
            let p = ImageProfile::preset(profile).unwrap();
            let level = 1.0 / (255.0 * p.std.iter().cloned().fold(f32::INFINITY, f32::min));
            let d = max_diff(&ours.data, &reference.data);
            let differing = ours
                .data
                .iter()
                .zip(&reference.data)
                .filter(|(a, b)| (*a - *b).abs() > 1e-6)
                .count();
            println!(
                "{name} {profile}: {differing} of {} values differ from Pillow, by at most {:.3} levels",
                ours.data.len(),
                d / level
            );
            // JPEG decoders differ among themselves: zune-jpeg and Pillow's
            // libjpeg-turbo decode rocket.jpg up to 2 levels apart (in 0.7 %
            // of its values) before any resizing; lossless sources get the
            // resize's own bound, one level.
            let levels = if name.ends_with(".jpg") { 2.0 } else { 1.0 };
            assert!(d <= levels * level * 1.0001, "{name} {profile}: {d}");
            assert!(
                differing * 50 < ours.data.len(),
                "{name} {profile}: {differing}"
            );
        }
    }
}

#[test]
fn embeddings_match_onnxruntime_in_python() {
    let Some(dir) = images_dir() else { return };
    let exp = expected();
    let mut worst: f32 = 0.0;
    let mut worst_cos: f32 = 1.0;
    for profile in ["torchvision", "keras-mobilenetv2", "clip"] {
        let feats = encoder(profile, "features", true);
        let raw = encoder(profile, "features", false);
        let logits = encoder(profile, "logits", false);
        assert_eq!(feats.dim(), 32);
        assert_eq!(logits.dim(), 10);
        // On the same preprocessed input (Pillow's pixels), every output
        // equals onnxruntime's in Python.
        for name in PIXEL_IMAGES {
            let want = &exp["images"][*name][profile];
            let pillow =
                decode_image_file(pillow_pixels(profile, name), &Default::default()).unwrap();
            let t = preprocess_image(&pillow, &no_resize(profile)).unwrap();
            let f = feats.embed_tensors(std::slice::from_ref(&t)).unwrap();
            let r = raw.embed_tensors(std::slice::from_ref(&t)).unwrap();
            let l = logits.embed_tensors(std::slice::from_ref(&t)).unwrap();
            let want_f = floats(&want["features"]);
            worst = worst.max(max_diff(&f[0].vector, &unit(&want_f)));
            worst = worst.max(max_diff(&r[0].vector, &want_f));
            worst = worst.max(max_diff(&l[0].vector, &floats(&want["logits"])));
        }
        // From the files, through our own decode and resize: the one-level
        // rounding differences leave the vectors all but identical.
        let names: Vec<&String> = exp["images"].as_object().unwrap().keys().collect();
        let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
        let inputs: Vec<ImageInput<'_>> = paths.iter().map(ImageInput::from).collect();
        let batch = feats.embed_batch(&inputs).unwrap();
        for (i, name) in names.iter().enumerate() {
            let want = unit(&floats(&exp["images"][name.as_str()][profile]["features"]));
            let single = feats.embed(inputs[i]).unwrap();
            let cos: f32 = single.vector.iter().zip(&want).map(|(a, b)| a * b).sum();
            worst_cos = worst_cos.min(cos);
            // A batch gives what single calls give.
            assert!(max_diff(&batch[i].vector, &single.vector) < 1e-6, "{name}");
            assert_eq!(&*single.model_id, "tiny-cnn");
        }
    }
    println!("same input: largest difference from onnxruntime in Python {worst:.2e}");
    println!("from the files: lowest cosine with onnxruntime on Pillow's input {worst_cos:.6}");
    assert!(worst <= 1e-4, "{worst}");
    assert!(worst_cos >= 0.9999, "{worst_cos}");
}

#[test]
fn raw_pixels_bytes_and_paths_give_the_same_vector() {
    let Some(dir) = images_dir() else { return };
    let enc = encoder("torchvision", "features", true);
    let path = dir.join("coffee.png");
    let from_path = enc.embed(ImageInput::Path(&path)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(enc.embed(ImageInput::Bytes(&bytes)).unwrap(), from_path);
    let rgb = ImageInput::Path(&path)
        .decode(enc.limits())
        .unwrap()
        .into_owned();
    let (w, h) = (rgb.width(), rgb.height());
    // The same pixels as BGRA with padded rows, as a video frame might hold them.
    let stride = w as usize * 4 + 12;
    let mut bgra = vec![0u8; stride * h as usize];
    for y in 0..h {
        for x in 0..w {
            let [r, g, b] = rgb.pixel(x, y);
            let o = y as usize * stride + x as usize * 4;
            bgra[o..o + 4].copy_from_slice(&[b, g, r, 255]);
        }
    }
    let raw = RawPixels {
        data: &bgra,
        width: w,
        height: h,
        stride,
        format: PixelFormat::Bgra8,
    };
    assert_eq!(enc.embed(ImageInput::Pixels(raw)).unwrap(), from_path);
    assert_eq!(enc.embed(ImageInput::Rgb(&rgb)).unwrap(), from_path);
}

#[test]
fn specs_that_do_not_fit_the_model_are_refused() {
    let rt = runtime();
    // NHWC profile on the NCHW model, and the reverse.
    for (profile, layout) in [("keras-mobilenetv2", "nchw"), ("torchvision", "nhwc")] {
        let model = fixture(&format!("images/tiny_cnn_{layout}.onnx"));
        let err = OnnxImageEncoder::from_profile(&model, profile, &rt).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidModelSpec, "{err}");
        assert!(err.to_string().contains("layout"), "{err}");
    }
    let model = fixture("images/tiny_cnn_nchw.onnx");
    let bad_output = ImageModelSpec::new("m", "torchvision")
        .unwrap()
        .with_output("probabilities");
    let err = OnnxImageEncoder::load(&model, bad_output, &rt).unwrap_err();
    assert!(err.to_string().contains("features, logits"), "{err}");
    let wrong_dim = ImageModelSpec {
        dim: Some(64),
        ..ImageModelSpec::new("m", "torchvision").unwrap()
    };
    assert_eq!(
        OnnxImageEncoder::load(&model, wrong_dim, &rt)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidModelSpec
    );
    assert!(matches!(
        ImageModelSpec::new("m", "no-such-profile"),
        Err(Error::InvalidModelSpec { .. })
    ));
    // A model that is not an image model at all.
    let speaker = fixture("models/tiny_nometa.onnx");
    assert_eq!(
        OnnxImageEncoder::from_profile(&speaker, "torchvision", &rt)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidModelSpec
    );
    // Bad images through the encoder are errors, never panics.
    let enc = OnnxImageEncoder::from_profile(&model, "torchvision", &rt).unwrap();
    let garbage: &[u8] = b"GIF89a but nothing after it";
    assert!(enc.embed(ImageInput::Bytes(garbage)).is_err());
    assert!(enc.embed_batch(&[ImageInput::Bytes(&[])]).is_err());
    assert!(enc.embed_batch(&[]).unwrap().is_empty());
}

fn jpeg_copy(path: &std::path::Path, scale: f32, quality: u8) -> Vec<u8> {
    let img = image::open(path).unwrap().to_rgb8();
    let (w, h) = (
        (img.width() as f32 * scale) as u32,
        (img.height() as f32 * scale) as u32,
    );
    let small = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&small)
        .unwrap();
    out
}

const CATALOGUE: &[&str] = &[
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "camera.png",
    "logo.png",
    "rocket.jpg",
    "retina.jpg",
    "hubble_deep_field.jpg",
    "brick.png",
    "grass.png",
    "gravel.png",
    "text.png",
    "horse.png",
    "motorcycle_left.png",
    "no_time_for_that_tiny.gif",
];

#[test]
fn image_index_round_trip_through_sqlite_and_near_duplicates() {
    let Some(dir) = images_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("images.db");
    let enc = Arc::new(encoder("torchvision", "features", true));
    let paths: Vec<PathBuf> = CATALOGUE.iter().map(|n| dir.join(n)).collect();
    let inputs: Vec<ImageInput<'_>> = paths.iter().map(ImageInput::from).collect();
    let queries: Vec<Vec<u8>> = paths.iter().map(|p| jpeg_copy(p, 0.6, 70)).collect();
    let before = {
        let store = Arc::new(SqliteStore::create_or_open(&db, enc.model_id(), enc.dim()).unwrap());
        let index = ImageIndex::new(enc.clone(), store).unwrap();
        assert_eq!(index.add_batch(CATALOGUE, &inputs).unwrap(), 0);
        let mut labels = BTreeMap::new();
        labels.insert("source".to_string(), "scikit-image".to_string());
        assert!(index.add("chelsea.png", inputs[1], labels.clone()).unwrap());
        let rec = index.get("chelsea.png").unwrap().unwrap();
        assert_eq!(rec.meta.labels, labels);
        assert_eq!(index.len(), CATALOGUE.len());
        // Near-duplicates: a 60 % JPEG re-encode finds its original first.
        let mut margins = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            let hits = index.search(ImageInput::Bytes(q), 2, None).unwrap();
            assert_eq!(hits[0].id, CATALOGUE[i], "query {}: {hits:?}", CATALOGUE[i]);
            margins.push(hits[0].score - hits[1].score);
        }
        margins.sort_by(f32::total_cmp);
        println!(
            "near-duplicate search: {} of {} first; smallest margin {:.4}",
            queries.len(),
            queries.len(),
            margins[0]
        );
        // Candidates restrict the search; disabled images are never found.
        let only = index
            .search(
                ImageInput::Bytes(&queries[0]),
                3,
                Some(&["coffee.png", "brick.png"]),
            )
            .unwrap();
        assert!(only
            .iter()
            .all(|m| m.id == "coffee.png" || m.id == "brick.png"));
        index.set_status("astronaut.png", Status::Disabled).unwrap();
        let hits = index
            .search(ImageInput::Bytes(&queries[0]), 20, None)
            .unwrap();
        assert!(hits.iter().all(|m| m.id != "astronaut.png"));
        index
            .search(ImageInput::Bytes(&queries[2]), 5, None)
            .unwrap()
    };
    // Reopened: the same records, the same results.
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    let index = ImageIndex::new(enc.clone(), store.clone()).unwrap();
    assert_eq!(index.len(), CATALOGUE.len());
    assert_eq!(
        index
            .search(ImageInput::Bytes(&queries[2]), 5, None)
            .unwrap(),
        before
    );
    assert_eq!(
        index.get("astronaut.png").unwrap().unwrap().meta.status,
        Status::Disabled
    );
    let v = index.embed(inputs[3]).unwrap();
    assert_eq!(
        index.search_vector(&v.vector, 1, None).unwrap()[0].id,
        "camera.png"
    );
    // A batch of query vectors (not normalised: the index does it) gives
    // what one query at a time gives.
    let mut batch = Vec::new();
    for input in &inputs {
        batch.extend(index.embed(*input).unwrap().vector.iter().map(|x| x * 3.0));
    }
    let hits = index.search_vectors(&batch, 4, None).unwrap();
    for (q, h) in batch.chunks_exact(enc.dim()).zip(&hits) {
        assert_eq!(h, &index.search_vector(q, 4, None).unwrap());
    }
    assert!(index.search_vectors(&batch[..5], 4, None).is_err());
    assert!(index.remove("camera.png").unwrap());
    assert!(!index.remove("camera.png").unwrap());
    assert_eq!(store.len(), CATALOGUE.len() - 1);
    // Wrong vectors and foreign stores are refused.
    assert!(matches!(
        index.add_vector("x", &[1.0; 31], BTreeMap::new()),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        index.add_batch(&["a"], &[]),
        Err(Error::InvalidArgument { .. })
    ));
    let other = Arc::new(MemoryStore::new("mobilenetv2", 32).unwrap());
    assert!(matches!(
        ImageIndex::new(enc, other),
        Err(Error::ModelMismatch { .. })
    ));
}

#[test]
fn mobilenetv2_architecture_from_shared_models() {
    let Some(path) = require(
        repo_root().join("../shared/models/mobilenetv2_random.onnx"),
        "shared benchmark model",
        "it is provided beside the checkout as ../shared/models",
    ) else {
        return;
    };
    let Some(dir) = images_dir() else { return };
    let enc = OnnxImageEncoder::from_profile(&path, "torchvision", &runtime()).unwrap();
    assert_eq!(enc.dim(), 1280);
    assert_eq!(enc.model_id(), "mobilenetv2_random");
    assert_eq!(enc.profile().layout, TensorLayout::Nchw);
    let a = dir.join("chelsea.png");
    let b = dir.join("coffee.png");
    let batch = enc
        .embed_batch(&[ImageInput::Path(&a), ImageInput::Path(&b)])
        .unwrap();
    let single = enc.embed(ImageInput::Path(&b)).unwrap();
    assert!(max_diff(&batch[1].vector, &single.vector) < 1e-5);
    let n: f32 = single.vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((n - 1.0).abs() < 1e-4);
}
