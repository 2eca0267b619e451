import Foundation

/// Rotary position embedding (Su et al. 2021) in the Hugging Face Llama "rotate half" layout.
///
/// For head dimension d (even) and pair index j < d/2: θ_j = base^(−2j/d), angle = pos·θ_j,
///     out[j]       = x[j]·cos − x[j + d/2]·sin
///     out[j + d/2] = x[j + d/2]·cos + x[j]·sin
/// The backward pass is the same rotation by −angle (the rotation is orthogonal).
public struct RotaryEmbedding: Sendable {
    /// Head dimension d.
    public let headDimension: Int
    /// Positions covered by the table.
    public let maximumPosition: Int
    /// cos and sin tables, [maximumPosition, d/2] each.
    private let cosTable: FloatBuffer
    private let sinTable: FloatBuffer

    /// Precomputes the tables for positions 0..<maximumPosition (angles in Double).
    public init(headDimension: Int, base: Double, maximumPosition: Int) {
        precondition(headDimension % 2 == 0, "rotary head dimension must be even")
        self.headDimension = headDimension
        self.maximumPosition = maximumPosition
        let half = headDimension / 2
        cosTable = FloatBuffer(count: maximumPosition * half)
        sinTable = FloatBuffer(count: maximumPosition * half)
        for position in 0..<maximumPosition {
            for j in 0..<half {
                let inverseFrequency = pow(base, -2 * Double(j) / Double(headDimension))
                let angle = Double(position) * Float64(Float(inverseFrequency))
                cosTable.pointer[position * half + j] = Float(cos(angle))
                sinTable.pointer[position * half + j] = Float(sin(angle))
            }
        }
    }

    /// Rotates `heads` consecutive heads of each row in place.
    ///
    /// - Parameters:
    ///   - x: rows × stride floats; row i's heads start at `x + i·stride`.
    ///   - positions: the position of each row, [rows].
    ///   - inverse: rotate by −angle (the backward pass).
    public func apply(
        _ x: UnsafeMutablePointer<Float>, rows: Int, stride: Int, heads: Int,
        positions: UnsafePointer<Int32>, inverse: Bool = false
    ) {
        let half = headDimension / 2, d = headDimension
        let sign: Float = inverse ? -1 : 1
        let cosBase = cosTable.pointer, sinBase = sinTable.pointer
        Parallel.forEachChunk(rows, minimumPerChunk: 64) { range in
            for row in range {
                let position = Int(positions[row])
                precondition(position < maximumPosition, "position \(position) beyond the rotary table (\(maximumPosition))")
                let c = cosBase + position * half, s = sinBase + position * half
                for head in 0..<heads {
                    let h = x + row * stride + head * d
                    var j = 0
                    while j + 8 <= half {
                        let cv = Vector.load(c + j), sv = Vector.load(s + j) * sign
                        let a = Vector.load(h + j), b = Vector.load(h + j + half)
                        Vector.store(a * cv - b * sv, h + j)
                        Vector.store(b * cv + a * sv, h + j + half)
                        j += 8
                    }
                    while j < half {
                        let a = h[j], b = h[j + half], cv = c[j], sv = s[j] * sign
                        h[j] = a * cv - b * sv
                        h[j + half] = b * cv + a * sv
                        j += 1
                    }
                }
            }
        }
    }
}
