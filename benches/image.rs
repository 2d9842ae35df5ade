//! Images: decode + preprocess per image (both profiles) on a batch of real
//! photos, on 1 and 2 threads, and end-to-end embedding of that batch with
//! the MobileNetV2 stand-in from ../shared/models. `benches/image_python.py`
//! runs the same batch through Pillow + numpy + onnxruntime for comparison.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use voiceprint_benches::{bench_images, model};
use voiceprint_core::embed::{ImageEncoder, OnnxImageEncoder};
use voiceprint_core::features::{preprocess_image, ImageProfile};
use voiceprint_core::image::{decode_image_bytes, ImageInput, ImageLimits};
use voiceprint_core::runtime::RuntimeConfig;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn decode_preprocess(c: &mut Criterion) {
    let Some(images) = bench_images() else { return };
    let limits = ImageLimits::default();
    let mut g = c.benchmark_group("image_decode_preprocess");
    g.throughput(Throughput::Elements(images.len() as u64));
    g.sample_size(20);
    for profile in ["torchvision", "keras-mobilenetv2"] {
        let p = ImageProfile::preset(profile).expect("profile");
        for threads in [1usize, 2] {
            let pool = pool(threads);
            g.bench_function(format!("{profile}_{threads}thread"), |b| {
                b.iter(|| {
                    pool.install(|| {
                        images
                            .par_iter()
                            .map(|bytes| {
                                let rgb = decode_image_bytes(bytes, &limits).expect("decode");
                                preprocess_image(&rgb, &p).expect("preprocess")
                            })
                            .collect::<Vec<_>>()
                    })
                })
            });
        }
    }
    g.finish();
}

fn embed(c: &mut Criterion) {
    let Some(images) = bench_images() else { return };
    let Some(path) = model("../shared/models/mobilenetv2_random.onnx") else {
        return;
    };
    let inputs: Vec<ImageInput<'_>> = images.iter().map(|b| ImageInput::Bytes(b)).collect();
    let mut g = c.benchmark_group("image_embed_batch");
    g.throughput(Throughput::Elements(images.len() as u64));
    g.sample_size(10);
    for threads in [1usize, 2] {
        let rt = RuntimeConfig {
            intra_op_threads: threads,
            ..RuntimeConfig::default()
        };
        let enc = OnnxImageEncoder::from_profile(&path, "torchvision", &rt).expect("model");
        let pool = pool(threads);
        g.bench_function(format!("mobilenetv2_torchvision_{threads}thread"), |b| {
            b.iter(|| pool.install(|| enc.embed_batch(&inputs).expect("embed")))
        });
    }
    g.finish();
}

criterion_group!(benches, decode_preprocess, embed);
criterion_main!(benches);
