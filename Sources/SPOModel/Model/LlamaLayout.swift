/// Where each parameter tensor lives in the model's single flat parameter buffer.
///
/// Tensors keep Hugging Face names and shapes (linear weights are [out, in], row-major).
/// Order per layer: input_layernorm [D]; q_proj [H·d, D], k_proj [Hkv·d, D], v_proj [Hkv·d, D]
/// (adjacent, so they form one fused [(H+2Hkv)·d, D] matrix); o_proj [D, H·d];
/// post_attention_layernorm [D]; gate_proj [I, D], up_proj [I, D] (adjacent: one fused
/// [2I, D] matrix); down_proj [D, I]. Then model.norm [D] and, unless tied, lm_head [V, D].
/// One flat buffer makes the optimizer, gradient clipping and checkpoints single loops.
public struct LlamaLayout: Sendable {
    /// One named tensor inside the flat buffer.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one decoder layer's tensors.
    public struct Layer: Sendable {
        public let inputNorm: Int
        public let qkv: Int
        public let output: Int
        public let postAttentionNorm: Int
        public let gateUp: Int
        public let down: Int
    }

    public let tensors: [Tensor]
    public let embedding: Int
    public let layers: [Layer]
    public let finalNorm: Int
    /// Offset of the LM head matrix [V, D]; equals `embedding` when embeddings are tied.
    public let head: Int
    /// Total number of parameters (tied weights counted once).
    public let parameterCount: Int

    public init(config c: LlamaConfig) {
        var tensors: [Tensor] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let start = offset
            tensors.append(Tensor(name: name, shape: shape, offset: start))
            offset += shape.reduce(1, *)
            return start
        }
        let d = c.headDimension, D = c.hiddenSize, I = c.intermediateSize
        embedding = add("model.embed_tokens.weight", [c.vocabularySize, D])
        var layers: [Layer] = []
        for l in 0..<c.layerCount {
            let p = "model.layers.\(l)."
            let inputNorm = add(p + "input_layernorm.weight", [D])
            let qkv = add(p + "self_attn.q_proj.weight", [c.headCount * d, D])
            _ = add(p + "self_attn.k_proj.weight", [c.keyValueHeadCount * d, D])
            _ = add(p + "self_attn.v_proj.weight", [c.keyValueHeadCount * d, D])
            let output = add(p + "self_attn.o_proj.weight", [D, c.headCount * d])
            let postNorm = add(p + "post_attention_layernorm.weight", [D])
            let gateUp = add(p + "mlp.gate_proj.weight", [I, D])
            _ = add(p + "mlp.up_proj.weight", [I, D])
            let down = add(p + "mlp.down_proj.weight", [D, I])
            layers.append(Layer(
                inputNorm: inputNorm, qkv: qkv, output: output, postAttentionNorm: postNorm,
                gateUp: gateUp, down: down))
        }
        self.layers = layers
        finalNorm = add("model.norm.weight", [D])
        head = c.tieWordEmbeddings ? embedding : add("lm_head.weight", [c.vocabularySize, D])
        self.tensors = tensors
        parameterCount = offset
    }

    /// True for RMSNorm weights (initialised to 1, no weight decay by convention).
    public static func isNormWeight(_ name: String) -> Bool { name.hasSuffix("norm.weight") }
}
