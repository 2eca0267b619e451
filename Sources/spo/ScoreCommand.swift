import ArgumentParser
import Foundation
import SPOModel
import SPOTraining

/// `spo score`: per-token log-probabilities of a sequence under a checkpoint.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Print log π(token_t | tokens_<t) and entropies of a token sequence under a checkpoint, as JSON.")

    @Argument(help: "Checkpoint directory.") var checkpoint: String
    @Option(help: "Comma-separated token ids.") var tokens: String?
    @Option(help: "Text to encode with --tokenizer instead of --tokens.") var text: String?
    @Option(help: "Tokenizer config for --text.") var tokenizer = "configs/tokenizers/char.json"
    @Option(help: "Temperature T of softmax(logits / T).") var temperature: Float = 1

    func run() throws {
        let model = try ModelCheckpoint.loadModel(from: URL(fileURLWithPath: checkpoint))
        let ids: [Int32]
        if let tokens {
            ids = try tokens.split(separator: ",").map {
                guard let id = Int32($0.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--tokens: `\($0)` is not an integer token id")
                }
                return id
            }
        } else if let text {
            ids = try TokenizerLoading.load(contentsOf: URL(fileURLWithPath: tokenizer)).encode(text)
        } else {
            throw ValidationError("give --tokens or --text")
        }
        guard ids.count >= 2 else { throw ValidationError("need at least two tokens to score") }
        let pass = try model.forward(try TokenBatch(sequences: [ids]), temperature: temperature)
        let object: [String: Any] = [
            "tokens": ids.map(Int.init), "temperature": Double(temperature),
            "log_probs": pass.logProbabilities.map(Double.init), "entropies": pass.entropies.map(Double.init),
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
    }
}
