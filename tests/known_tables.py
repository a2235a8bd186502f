"""A synthetic table whose importance order is known, shared by the explainer tests."""

# y = 3·(linear in log a) + 1·(categorical b on hidden positions) + 0·c + noise: importance a > b > c.
SETTINGS = {
    "kind": "synthetic",
    "schema": [
        {"name": "a", "scale": "log", "levels": [1, 10, 100, 1000, 10000]},
        {"name": "b", "scale": "categorical", "levels": ["x", "y", "z"]},
        {"name": "c", "levels": [0, 1, 2, 3]},
    ],
    "effects": {"a": {"shape": "monotone", "strength": 3.0}, "b": {"shape": "monotone", "strength": 1.0}},
    "n_rows": 200,
    "snr": 20.0,
    "seed": 0,
}
