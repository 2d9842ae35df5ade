use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::TensorRef;
use parking_lot::Mutex;

use super::{provider, ExecutionProvider, Runtime, RuntimeConfig};
use crate::{Error, Result};

/// One input of [`Model::run`]: a borrowed tensor with its shape.
#[derive(Debug, Clone, Copy)]
pub enum InputTensor<'a> {
    /// f32 elements.
    F32 {
        /// Dimensions (empty for a scalar).
        shape: &'a [usize],
        /// Row-major values.
        data: &'a [f32],
    },
    /// i64 elements.
    I64 {
        /// Dimensions (empty for a scalar).
        shape: &'a [usize],
        /// Row-major values.
        data: &'a [i64],
    },
}

/// Name, element type and shape of a model input or output, as the session reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// Tensor name in the graph.
    pub name: String,
    /// Dimensions; `-1` for a dynamic one. Empty when not a tensor.
    pub shape: Vec<i64>,
    /// Whether the element type is f32.
    pub is_f32: bool,
}

/// One ONNX model in one ONNX Runtime session, shared by threads.
///
/// `Model` is `Send + Sync`. Runs are serialised on the session (ONNX Runtime
/// parallelises inside each run with its intra-op threads); callers do their
/// own pre- and post-processing outside the lock, so several threads keep
/// the CPU busy.
pub struct Model {
    session: Mutex<Session>,
    path: PathBuf,
    inputs: Vec<TensorInfo>,
    outputs: Vec<TensorInfo>,
    metadata: BTreeMap<String, String>,
    provider: ExecutionProvider,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("path", &self.path)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("provider", &self.provider)
            .finish()
    }
}

impl Model {
    /// Loads an ONNX file, starting ONNX Runtime first if needed.
    pub fn load(path: impl AsRef<Path>, config: &RuntimeConfig) -> Result<Model> {
        let path = path.as_ref();
        let model_err = |detail: String| Error::ModelLoad {
            path: path.display().to_string(),
            detail,
        };
        if !path.is_file() {
            return Err(model_err(
                "no such file; run scripts/setup.sh for the bundled models or check the path"
                    .to_string(),
            ));
        }
        let runtime = Runtime::init(config)?;
        let mut builder = Session::builder(runtime.environment())
            .map_err(|e| model_err(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::All)
            .map_err(|e| model_err(e.to_string()))?;
        if config.intra_op_threads > 0 {
            builder = builder
                .with_intra_threads(config.intra_op_threads)
                .map_err(|e| model_err(e.to_string()))?;
        }
        let (mut builder, provider) = provider::register(builder, config.provider);
        let session = builder
            .commit_from_file(path)
            .map_err(|e| model_err(e.to_string()))?;
        let describe = |o: &ort::value::Outlet| TensorInfo {
            name: o.name().to_string(),
            shape: o
                .dtype()
                .tensor_shape()
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
            is_f32: o.dtype().tensor_type() == Some(ort::value::TensorElementType::Float32),
        };
        let inputs = session.inputs().iter().map(describe).collect();
        let outputs = session.outputs().iter().map(describe).collect();
        let metadata = read_metadata(&session).map_err(|e| model_err(e.to_string()))?;
        Ok(Model {
            session: Mutex::new(session),
            path: path.to_path_buf(),
            inputs,
            outputs,
            metadata,
            provider,
        })
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Inputs in graph order.
    pub fn inputs(&self) -> &[TensorInfo] {
        &self.inputs
    }

    /// Outputs in graph order.
    pub fn outputs(&self) -> &[TensorInfo] {
        &self.outputs
    }

    /// The model's custom metadata (`metadata_props`), e.g. sherpa-onnx's
    /// `framework`, `sample_rate`, `output_dim`.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The provider the session actually runs on (CPU after a fallback).
    pub fn provider(&self) -> ExecutionProvider {
        self.provider
    }

    /// Looks up an input by name, or the first input when `name` is `None`.
    pub fn input(&self, name: Option<&str>) -> Result<&TensorInfo> {
        find(&self.inputs, name, "input", &self.path)
    }

    /// Looks up an output by name, or the first output when `name` is `None`.
    pub fn output(&self, name: Option<&str>) -> Result<&TensorInfo> {
        find(&self.outputs, name, "output", &self.path)
    }

    /// Runs the model on one f32 tensor and returns one f32 output with its shape.
    pub fn run_f32(
        &self,
        input: &str,
        shape: &[usize],
        data: &[f32],
        output: &str,
    ) -> Result<(Vec<usize>, Vec<f32>)> {
        let mut out = self.run(&[(input, InputTensor::F32 { shape, data })], &[output])?;
        out.pop().ok_or_else(|| Error::Inference {
            detail: format!("model produced no output named `{output}`"),
        })
    }
}

impl Model {
    /// Runs the model on several named inputs and returns the named f32
    /// outputs (shape and values), in the order asked.
    pub fn run(
        &self,
        inputs: &[(&str, InputTensor<'_>)],
        outputs: &[&str],
    ) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        let mut values: Vec<(
            std::borrow::Cow<'_, str>,
            ort::session::SessionInputValue<'_>,
        )> = Vec::with_capacity(inputs.len());
        for (name, t) in inputs {
            let v: ort::session::SessionInputValue<'_> = match *t {
                InputTensor::F32 { shape, data } => {
                    check_len(shape, data.len())?;
                    TensorRef::from_array_view((shape.to_vec(), data))?.into()
                }
                InputTensor::I64 { shape, data } => {
                    check_len(shape, data.len())?;
                    TensorRef::from_array_view((shape.to_vec(), data))?.into()
                }
            };
            values.push((std::borrow::Cow::Borrowed(*name), v));
        }
        let mut session = self.session.lock();
        let result = session.run(values)?;
        outputs
            .iter()
            .map(|name| {
                let value = result.get(*name).ok_or_else(|| Error::Inference {
                    detail: format!("model produced no output named `{name}`"),
                })?;
                let (shape, data) = value.try_extract_tensor::<f32>()?;
                let dims = shape
                    .iter()
                    .map(|&d| usize::try_from(d).unwrap_or(0))
                    .collect();
                Ok((dims, data.to_vec()))
            })
            .collect()
    }
}

fn check_len(shape: &[usize], len: usize) -> Result<()> {
    let expected: usize = shape.iter().product();
    if expected == len {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "data",
            format!("tensor of shape {shape:?} needs {expected} values, got {len}"),
        ))
    }
}

fn find<'a>(
    list: &'a [TensorInfo],
    name: Option<&str>,
    what: &str,
    path: &Path,
) -> Result<&'a TensorInfo> {
    let found = match name {
        Some(n) => list.iter().find(|t| t.name == n),
        None => list.first(),
    };
    found.ok_or_else(|| Error::ModelLoad {
        path: path.display().to_string(),
        detail: format!(
            "model has no {what} {}; it has: {}",
            name.map(|n| format!("named `{n}`")).unwrap_or_default(),
            list.iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

fn read_metadata(session: &Session) -> ort::Result<BTreeMap<String, String>> {
    let meta = session.metadata()?;
    let mut map = BTreeMap::new();
    for key in meta.custom_keys()? {
        if let Some(value) = meta.custom(&key) {
            map.insert(key, value);
        }
    }
    Ok(map)
}
