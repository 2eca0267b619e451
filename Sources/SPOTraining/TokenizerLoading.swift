import Foundation
import SPOModel

/// Opens a tokenizer config by its `type` key (today: "character").
public enum TokenizerLoading {
    public static func load(contentsOf url: URL) throws -> any Tokenizer {
        let data = try Data(contentsOf: url)
        let type = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["type"] as? String
        switch type {
        case "character": return try CharacterTokenizer(configuration: data)
        default:
            throw TrainingError("\(url.path): `type` must be \"character\", found \(type.map { "\"\($0)\"" } ?? "nothing")")
        }
    }
}
