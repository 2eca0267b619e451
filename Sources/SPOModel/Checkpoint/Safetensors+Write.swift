import Foundation

extension SafetensorsFile {
    /// Writes `tensors` as F32 plus `metadata` to `url`, atomically (`AtomicFile`).
    ///
    /// Layout: 8-byte little-endian header length N (a multiple of 8: the JSON is
    /// right-padded with spaces), the header with `"__metadata__"` first (keys sorted,
    /// omitted when empty) and the tensors in the given order, then each tensor's bytes
    /// back to back, so tensor k has data_offsets [sum of earlier sizes, + 4 * count_k).
    /// Tensor buffers go to the file straight from their storage; only the header is
    /// assembled in memory.
    ///
    /// Throws `SafetensorsError` for a duplicate or reserved name, a negative dimension,
    /// or `values.count != product(shape)`; `AtomicFileError` for I/O failures.
    public static func write(
        _ tensors: [SafetensorsTensor], metadata: [String: String], to url: URL
    ) throws {
        let header = try headerBytes(tensors, metadata: metadata, path: url.path)
        try AtomicFile.write(to: url) { writer in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writer.write($0) }
            try header.withUnsafeBytes { try writer.write($0) }
            for tensor in tensors {
                try writer.write(UnsafeRawBufferPointer(tensor.values))
            }
        }
    }

    /// The padded UTF-8 header JSON for `tensors` laid out back to back.
    static func headerBytes(
        _ tensors: [SafetensorsTensor], metadata: [String: String], path: String
    ) throws -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }
                .map { "\(JSONStringLiteral.quoted($0.key)):\(JSONStringLiteral.quoted($0.value))" }
            fields.append("\(JSONStringLiteral.quoted(SafetensorsRawHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var seen: Set<String> = []
        var offset = 0
        for tensor in tensors {
            func fail(_ problem: String) -> SafetensorsError {
                SafetensorsError(path: path, tensor: tensor.name, problem: problem)
            }
            guard tensor.name != SafetensorsRawHeader.metadataKey else {
                throw fail("the name is reserved for metadata")
            }
            guard seen.insert(tensor.name).inserted else { throw fail("duplicate tensor name") }
            if let negative = tensor.shape.first(where: { $0 < 0 }) {
                throw fail("shape \(tensor.shape) has negative dimension \(negative)")
            }
            let (count, overflow) = tensor.shape.reduce((1, false)) { partial, dimension in
                let next = partial.0.multipliedReportingOverflow(by: dimension)
                return (next.partialValue, partial.1 || next.overflow)
            }
            guard !overflow, count == tensor.values.count else {
                throw fail("shape \(tensor.shape) needs \(overflow ? "more than Int.max" : "\(count)") "
                    + "elements but the buffer holds \(tensor.values.count)")
            }
            let end = offset + 4 * count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(JSONStringLiteral.quoted(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array("{\(fields.joined(separator: ","))}".utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }
}
