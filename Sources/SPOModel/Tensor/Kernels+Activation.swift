import Foundation

/// SwiGLU (Shazeer 2020), the Llama MLP activation: h = silu(g) ⊙ u, silu(g) = g·σ(g).
///
/// Shapes: gu [N, 2I] holds gate g in columns 0..<I and up u in I..<2I (the fused output of
/// the adjacent gate_proj and up_proj weights); h and dh [N, I].
public enum SwiGLU {
    /// h = silu(g) ⊙ u.
    public static func forward(
        gateUp: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, width: Int
    ) {
        Parallel.forEachChunk(rows, minimumPerChunk: 16) { range in
            for row in range {
                let g = gateUp + row * 2 * width, u = g + width, h = output + row * width
                var i = 0
                while i + 8 <= width {
                    let gv = Vector.load(g + i)
                    let sigmoid = 1 / (1 + FastMath.exp(-gv))
                    Vector.store(gv * sigmoid * Vector.load(u + i), h + i)
                    i += 8
                }
                while i < width {
                    let sigmoid = 1 / (1 + Foundation.exp(-g[i]))
                    h[i] = g[i] * sigmoid * u[i]
                    i += 1
                }
            }
        }
    }

    /// du = dh ⊙ silu(g);  dg = dh ⊙ u ⊙ σ(g)·(1 + g·(1 − σ(g))).  Writes [N, 2I].
    public static func backward(
        gateUp: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        gateUpGradient: UnsafeMutablePointer<Float>, rows: Int, width: Int
    ) {
        Parallel.forEachChunk(rows, minimumPerChunk: 16) { range in
            for row in range {
                let g = gateUp + row * 2 * width, u = g + width
                let dh = outputGradient + row * width
                let dg = gateUpGradient + row * 2 * width, du = dg + width
                var i = 0
                while i + 8 <= width {
                    let gv = Vector.load(g + i), uv = Vector.load(u + i), dhv = Vector.load(dh + i)
                    let sigmoid = 1 / (1 + FastMath.exp(-gv))
                    Vector.store(dhv * gv * sigmoid, du + i)
                    Vector.store(dhv * uv * sigmoid * (1 + gv * (1 - sigmoid)), dg + i)
                    i += 8
                }
                while i < width {
                    let sigmoid = 1 / (1 + Foundation.exp(-g[i]))
                    du[i] = dh[i] * g[i] * sigmoid
                    dg[i] = dh[i] * u[i] * sigmoid * (1 + g[i] * (1 - sigmoid))
                    i += 1
                }
            }
        }
    }
}
