"""Pure-numpy forward of Resemblyzer's GE2E encoder, following PyTorch's
LSTM equations and gate order (i, f, g, o), as the reference the converted
ONNX model is checked against (scripts/test_ge2e_onnx.py)."""
import numpy as np


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def forward(weights, mels):
    """mels [N, T, 40] float32 -> embeddings [N, 256], L2-normalised."""
    x = mels.astype(np.float64)
    n = x.shape[0]
    h = None
    for layer in range(3):
        w_ih = weights[f"lstm.weight_ih_l{layer}"].astype(np.float64)
        w_hh = weights[f"lstm.weight_hh_l{layer}"].astype(np.float64)
        b = (weights[f"lstm.bias_ih_l{layer}"] + weights[f"lstm.bias_hh_l{layer}"]).astype(np.float64)
        hidden = w_hh.shape[1]
        h = np.zeros((n, hidden))
        c = np.zeros((n, hidden))
        outs = []
        for t in range(x.shape[1]):
            gates = x[:, t] @ w_ih.T + h @ w_hh.T + b
            i, f, g, o = np.split(gates, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            outs.append(h)
        x = np.stack(outs, axis=1)
    lin = h @ weights["linear.weight"].astype(np.float64).T + weights["linear.bias"]
    relu = np.maximum(lin, 0.0)
    norm = np.maximum(np.linalg.norm(relu, axis=1, keepdims=True), 1e-12)
    return (relu / norm).astype(np.float32)
