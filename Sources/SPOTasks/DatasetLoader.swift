import Foundation

/// Readers of math data sets stored as JSON Lines (one JSON object per line).
///
/// Blank lines (spaces, tabs, `\r` only) are skipped; `\r\n` line ends are accepted.
/// A problem's id is `FILE_NAME:LINE`, e.g. `test.jsonl:7`. Every error is a `TaskError`
/// naming the file and the 1-based line number.
public enum DatasetLoader {
    /// The non-blank lines of a JSONL file decoded as `Record`, with their line numbers.
    ///
    /// - Throws: `TaskError` when the file cannot be read, or a line is not valid JSON, is
    ///   not an object, lacks a key or holds a non-string value.
    static func records<Record: Decodable>(
        _ type: Record.Type, url: URL, keys: String
    ) throws -> [(line: Int, record: Record)] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TaskError(
                source: url.path, location: "", value: "",
                problem: "cannot read the file (\(error.localizedDescription)); check the path")
        }
        var result: [(line: Int, record: Record)] = []
        let decoder = JSONDecoder()
        for (index, bytes) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let isBlank = bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
            if isBlank { continue }
            do {
                result.append((index + 1, try decoder.decode(Record.self, from: Data(bytes))))
            } catch let error as DecodingError {
                throw TaskError(
                    source: url.path, location: "line \(index + 1)",
                    value: String(decoding: bytes, as: UTF8.self),
                    problem: lineProblem(error, keys: keys))
            }
        }
        return result
    }

    /// What is wrong with one line, in words; `keys` lists the keys a line needs.
    private static func lineProblem(_ error: DecodingError, keys: String) -> String {
        switch error {
        case .keyNotFound(let key, _):
            return "key \"\(key.stringValue)\" is missing; each line needs \(keys)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            if let key = context.codingPath.last {
                return "key \"\(key.stringValue)\" must hold a string"
            }
            return "a line must be one JSON object with \(keys)"
        case .dataCorrupted:
            return "not valid JSON; each line must be one JSON object with \(keys)"
        @unknown default:
            return "\(error)"
        }
    }
}
