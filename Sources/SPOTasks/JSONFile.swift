import Foundation

/// Reading JSON documents with errors that name the file and the JSON path.
enum JSONFile {
    /// Decodes `T` from the file at `url`.
    ///
    /// - Throws: `TaskError` naming the file when it cannot be read, and the JSON path
    ///   when it is not valid JSON or does not have the expected shape.
    static func decode<T: Decodable>(_ type: T.Type, contentsOf url: URL) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TaskError(
                source: url.path, location: "", value: "",
                problem: "cannot read the file (\(error.localizedDescription)); check the path")
        }
        return try decode(type, from: data, source: url.path)
    }

    /// Decodes `T` from `data`; `source` names it in errors.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, source: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw TaskError(decoding: error, source: source)
        }
    }
}
