import Foundation
@testable import SPOModel

/// A deliberately plain Llama forward in Double: nested loops, no BLAS, no fusing, no
/// packing. It reads the same flat parameters by tensor name, so it is an independent
/// reference for the fast engine (logits, log-probabilities, finite differences).
struct NaiveLlama {
    let config: LlamaConfig
    var tensors: [String: [Double]]

    init(model: LlamaModel) {
        config = model.config
        var tensors: [String: [Double]] = [:]
        for t in model.layout.tensors {
            tensors[t.name] = (0..<t.count).map { Double(model.parameters.pointer[t.offset + $0]) }
        }
        if config.tieWordEmbeddings { tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"] }
        self.tensors = tensors
    }

    /// y = W x for W [out, in] row-major.
    func linear(_ name: String, _ x: [Double], out: Int) -> [Double] {
        let w = tensors[name]!, n = x.count
        return (0..<out).map { o in (0..<n).reduce(0.0) { $0 + w[o * n + $1] * x[$1] } }
    }

    func rmsNorm(_ name: String, _ x: [Double]) -> [Double] {
        let w = tensors[name]!
        let r = 1 / (x.map { $0 * $0 }.reduce(0, +) / Double(x.count) + Double(config.rmsNormEpsilon)).squareRoot()
        return x.indices.map { x[$0] * r * w[$0] }
    }

    func rope(_ v: [Double], position: Int) -> [Double] {
        let d = v.count, half = d / 2
        var out = v
        for j in 0..<half {
            let frequency = Double(Float(pow(config.ropeTheta, -2 * Double(j) / Double(d))))
            let angle = Double(position) * frequency
            out[j] = v[j] * cos(angle) - v[j + half] * sin(angle)
            out[j + half] = v[j + half] * cos(angle) + v[j] * sin(angle)
        }
        return out
    }

    /// Logits [T, V] of one sequence.
    func logits(_ tokens: [Int32]) -> [[Double]] {
        finalHidden(tokens).map { linear("lm_head.weight", $0, out: config.vocabularySize) }
    }

    /// RMSNorm(x_L) [T, D] of one sequence: the final normalised hidden states.
    func finalHidden(_ tokens: [Int32]) -> [[Double]] {
        let c = config, D = c.hiddenSize, d = c.headDimension, H = c.headCount
        let Hkv = c.keyValueHeadCount, T = tokens.count
        let embedding = tensors["model.embed_tokens.weight"]!
        var x: [[Double]] = tokens.map { t in Array(embedding[Int(t) * D..<(Int(t) + 1) * D]) }
        for l in 0..<c.layerCount {
            let p = "model.layers.\(l)."
            var q: [[[Double]]] = [], k: [[[Double]]] = [], v: [[[Double]]] = []
            for t in 0..<T {
                let xn = rmsNorm(p + "input_layernorm.weight", x[t])
                let qa = linear(p + "self_attn.q_proj.weight", xn, out: H * d)
                let ka = linear(p + "self_attn.k_proj.weight", xn, out: Hkv * d)
                let va = linear(p + "self_attn.v_proj.weight", xn, out: Hkv * d)
                q.append((0..<H).map { rope(Array(qa[$0 * d..<($0 + 1) * d]), position: t) })
                k.append((0..<Hkv).map { rope(Array(ka[$0 * d..<($0 + 1) * d]), position: t) })
                v.append((0..<Hkv).map { Array(va[$0 * d..<($0 + 1) * d]) })
            }
            var newX = x
            for t in 0..<T {
                var attention: [Double] = []
                for h in 0..<H {
                    let g = h / (H / Hkv)
                    let scores = (0...t).map { j in
                        (0..<d).reduce(0.0) { $0 + q[t][h][$1] * k[j][g][$1] } / Double(d).squareRoot()
                    }
                    let m = scores.max()!
                    let e = scores.map { exp($0 - m) }
                    let z = e.reduce(0, +)
                    attention += (0..<d).map { i in (0...t).reduce(0.0) { $0 + e[$1] / z * v[$1][g][i] } }
                }
                let o = linear(p + "self_attn.o_proj.weight", attention, out: D)
                let mid = (0..<D).map { x[t][$0] + o[$0] }
                let xn = rmsNorm(p + "post_attention_layernorm.weight", mid)
                let gate = linear(p + "mlp.gate_proj.weight", xn, out: c.intermediateSize)
                let up = linear(p + "mlp.up_proj.weight", xn, out: c.intermediateSize)
                let h = gate.indices.map { gate[$0] / (1 + exp(-gate[$0])) * up[$0] }
                let down = linear(p + "mlp.down_proj.weight", h, out: D)
                newX[t] = (0..<D).map { mid[$0] + down[$0] }
            }
            x = newX
        }
        return x.map { rmsNorm("model.norm.weight", $0) }
    }

    /// log softmax(logits_{t-1} / T)[tokens_t] for t in scoreStart..<count.
    func logProbabilities(_ tokens: [Int32], scoreStart: Int = 1, temperature: Double = 1) -> [Double] {
        let z = logits(tokens)
        return (scoreStart..<tokens.count).map { t in
            let row = z[t - 1].map { $0 / temperature }
            let m = row.max()!
            let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
            return row[Int(tokens[t])] - lse
        }
    }

    /// Entropy of softmax(logits_{t-1} / T) for t in scoreStart..<count.
    func entropies(_ tokens: [Int32], scoreStart: Int = 1, temperature: Double = 1) -> [Double] {
        let z = logits(tokens)
        return (scoreStart..<tokens.count).map { t in
            let row = z[t - 1].map { $0 / temperature }
            let m = row.max()!
            let e = row.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return -e.map { $0 / s * log($0 / s) }.reduce(0, +)
        }
    }
}

/// Small configs for tests.
enum TestModels {
    static func tinyConfig(tied: Bool = false, vocabulary: Int = 11) -> LlamaConfig {
        try! LlamaConfig(
            hiddenSize: 16, intermediateSize: 24, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            vocabularySize: vocabulary, rmsNormEpsilon: 1e-5, ropeTheta: 10000, maximumPositions: 64,
            tieWordEmbeddings: tied, eosTokenIDs: [2])
    }

    /// A model with larger-than-default weights so every layer matters in the output.
    static func tinyModel(tied: Bool = false, seed: UInt64 = 7) -> LlamaModel {
        let model = LlamaModel(config: tinyConfig(tied: tied), seed: seed, standardDeviation: 0.3)
        // Perturb the norm weights away from 1 so their gradients are exercised.
        for t in model.layout.tensors where LlamaLayout.isNormWeight(t.name) {
            for i in 0..<t.count { model.parameters.pointer[t.offset + i] = 1 + 0.1 * Float(i % 5) - 0.2 }
        }
        return model
    }
}
