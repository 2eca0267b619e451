import Foundation

// Header JSON decoding and per-entry validation for `SafetensorsFile`.

extension SafetensorsFile {
    /// (tensor, problem) for a JSON decoding failure of the header: the tensor is the
    /// first key of the failing path unless that key is `__metadata__`.
    static func explain(_ error: DecodingError) -> (String?, String) {
        func locate(_ path: [any CodingKey]) -> (String?, String) {
            let keys = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            let tensor = keys.first.flatMap { $0 == SafetensorsRawHeader.metadataKey ? nil : $0 }
            return (tensor, keys.isEmpty ? "header" : "header field \(keys.joined(separator: "."))")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let cause = context.underlyingError.map { " (\($0))" } ?? ""
            return (nil, "header is not valid JSON: \(context.debugDescription)\(cause)")
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return (nil, "header is not a JSON object")
        case .typeMismatch(let type, let context):
            let (tensor, field) = locate(context.codingPath)
            return (tensor, "\(field) has the wrong type (expected \(type))")
        case .dataCorrupted(let context):
            let (tensor, field) = locate(context.codingPath)
            return (tensor, "\(field) is invalid: \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            let (tensor, field) = locate(context.codingPath)
            return (tensor, "\(field) is null (expected \(type))")
        case .keyNotFound(let key, let context):
            let (tensor, field) = locate(context.codingPath)
            return (tensor, "\(field) lacks '\(key.stringValue)'")
        @unknown default:
            return (nil, "header cannot be decoded: \(error)")
        }
    }
}

/// A header validation failure inside one entry; the caller adds file and tensor.
struct SafetensorsEntryProblem: Error {
    let text: String
}

/// The header as JSON, before validation: tensor entries plus optional metadata.
struct SafetensorsRawHeader: Decodable {
    static let metadataKey = "__metadata__"
    let entries: [String: SafetensorsRawEntry]
    let metadata: [String: String]

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var entries: [String: SafetensorsRawEntry] = [:]
        var metadata: [String: String] = [:]
        for key in container.allKeys {
            if key.stringValue == Self.metadataKey {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(SafetensorsRawEntry.self, forKey: key)
            }
        }
        self.entries = entries
        self.metadata = metadata
    }
}

/// One tensor entry as JSON; every field optional so absence gets its own message.
struct SafetensorsRawEntry: Decodable {
    let dtype: String?
    let shape: [Int]?
    let dataOffsets: [Int]?

    enum CodingKeys: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }

    /// Checks fields, ranges and byte count against a data buffer of `bufferSize` bytes.
    func validated(name: String, bufferSize: Int) throws(SafetensorsEntryProblem) -> SafetensorsTensorInfo {
        guard let dtypeName = dtype else { throw SafetensorsEntryProblem(text: "entry has no \"dtype\"") }
        guard let shape else { throw SafetensorsEntryProblem(text: "entry has no \"shape\"") }
        guard let dataOffsets else { throw SafetensorsEntryProblem(text: "entry has no \"data_offsets\"") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw SafetensorsEntryProblem(text: "unknown dtype '\(dtypeName)' (known: \(known))")
        }
        if let negative = shape.first(where: { $0 < 0 }) {
            throw SafetensorsEntryProblem(text: "shape \(shape) has negative dimension \(negative)")
        }
        guard dataOffsets.count == 2 else {
            throw SafetensorsEntryProblem(text: "data_offsets \(dataOffsets) must be [begin, end]")
        }
        let (begin, end) = (dataOffsets[0], dataOffsets[1])
        guard begin >= 0, end >= begin else {
            throw SafetensorsEntryProblem(text: "data_offsets \(dataOffsets): need 0 <= begin <= end")
        }
        guard end <= bufferSize else {
            throw SafetensorsEntryProblem(
                text: "data_offsets \(dataOffsets) run past the \(bufferSize)-byte data buffer "
                    + "(truncated file?)")
        }
        var byteCount = dtype.byteSize
        for dimension in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw SafetensorsEntryProblem(text: "shape \(shape) overflows Int") }
            byteCount = product
        }
        guard end - begin == byteCount else {
            throw SafetensorsEntryProblem(
                text: "data_offsets \(dataOffsets) span \(end - begin) bytes but shape \(shape) "
                    + "of \(dtype.rawValue) needs \(byteCount)")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }
}
