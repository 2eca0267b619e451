import Foundation

/// Where the announced weights can be read.
public enum WeightsSource: Sendable, Equatable {
    /// A checkpoint file on a path every reader can open (same host or shared disk).
    case file(path: String)
    /// Streamed as this many `weights_chunk` messages of the same version.
    case chunks(count: Int)
}

/// New policy weights exist (type 6, weights_announcement).
///
/// Wire body: version (int ≥ 0; the envelope's policy_version carries the same number),
/// format (string, e.g. "safetensors"), total_bytes (int ≥ 0), checksum (string
/// "crc32:" + 8 lowercase hex digits, zlib's CRC-32 of all the bytes), exactly one of
/// path (string) or chunk_count (int ≥ 1), and file (string, optional, default
/// "model.safetensors": which file of the version's checkpoint directory the bytes are,
/// e.g. "critic/model.safetensors"; written only when not the default).
public struct WeightsAnnouncement: Sendable, Equatable, WireBody {
    /// The default `file`: the policy's weights.
    public static let policyFile = "model.safetensors"

    /// The policy version these weights are.
    public let version: Int
    /// The byte format ("safetensors").
    public let format: String
    /// Where to read them.
    public let source: WeightsSource
    /// Size of the whole file or of all chunks together.
    public let totalBytes: Int
    /// "crc32:xxxxxxxx" of all the bytes.
    public let checksum: String
    /// Which file of the version these bytes are, relative to its checkpoint directory.
    public let file: String

    /// Checks counts and the checksum's spelling.
    public init(
        version: Int, format: String, source: WeightsSource, totalBytes: Int, checksum: String,
        file: String = WeightsAnnouncement.policyFile
    ) throws(WireValidationError) {
        try WireCheck.nonNegative(version, "version")
        try WireCheck.nonEmpty(format, "format")
        try WireCheck.nonEmpty(file, "file")
        switch source {
        case .file(let path): try WireCheck.nonEmpty(path, "path")
        case .chunks(let count):
            guard count >= 1 else { throw WireValidationError(field: "chunk_count", problem: "\(count), expected ≥ 1") }
        }
        try WireCheck.nonNegative(totalBytes, "total_bytes")
        let digits = checksum.dropFirst("crc32:".count)
        guard checksum.hasPrefix("crc32:"), digits.count == 8,
              digits.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
            throw WireValidationError(field: "checksum", problem: "\"\(checksum)\", expected \"crc32:\" and 8 lowercase hex digits")
        }
        self.version = version
        self.format = format
        self.source = source
        self.totalBytes = totalBytes
        self.checksum = checksum
        self.file = file
    }

    /// "crc32:" + the 8 lowercase hex digits of `crc`.
    public static func checksumString(_ crc: UInt32) -> String {
        let hex = String(crc, radix: 16)
        return "crc32:" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    init(fields: WireFields) throws(WireValidationError) {
        let path = try fields.optionalString("path")
        let chunkCount = try fields.optionalInt("chunk_count")
        let source: WeightsSource
        switch (path, chunkCount) {
        case (let path?, nil): source = .file(path: path)
        case (nil, let count?): source = .chunks(count: count)
        default:
            throw WireValidationError(field: "path", problem: "exactly one of path and chunk_count must be present")
        }
        try self.init(
            version: fields.int("version"), format: fields.string("format"), source: source,
            totalBytes: fields.int("total_bytes"), checksum: fields.string("checksum"),
            file: fields.optionalString("file") ?? Self.policyFile)
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = ["version": .int(Int64(version)), "format": .string(format)]
        switch source {
        case .file(let path): map["path"] = .string(path)
        case .chunks(let count): map["chunk_count"] = .int(Int64(count))
        }
        map["total_bytes"] = .int(Int64(totalBytes))
        map["checksum"] = .string(checksum)
        if file != Self.policyFile { map["file"] = .string(file) }
        return map
    }
}

/// One piece of streamed weights (type 7, weights_chunk).
///
/// Wire body: version (int), index (int, 0 ≤ index < count), count (int ≥ 1: the
/// announcement's chunk_count), offset (int ≥ 0: where `data` starts in the whole),
/// data (bin), file (string, optional, default "model.safetensors": the announcement's
/// file). Chunks may arrive in any order; a reader assembles by offset and checks
/// total_bytes and the checksum from the announcement of the same version and file.
public struct WeightsChunk: Sendable, Equatable, WireBody {
    /// The policy version these bytes belong to.
    public let version: Int
    /// This chunk's index.
    public let index: Int
    /// How many chunks make the whole.
    public let count: Int
    /// Byte offset of `data` in the whole.
    public let offset: Int
    /// The bytes.
    public let data: Data
    /// Which file of the version they belong to (the announcement's `file`).
    public let file: String

    /// Checks 0 ≤ index < count and offset ≥ 0.
    public init(
        version: Int, index: Int, count: Int, offset: Int, data: Data, file: String = WeightsAnnouncement.policyFile
    ) throws(WireValidationError) {
        try WireCheck.nonNegative(version, "version")
        try WireCheck.nonEmpty(file, "file")
        guard count >= 1 else { throw WireValidationError(field: "count", problem: "\(count), expected ≥ 1") }
        guard (0..<count).contains(index) else {
            throw WireValidationError(field: "index", problem: "\(index), expected 0..<\(count)")
        }
        try WireCheck.nonNegative(offset, "offset")
        self.version = version
        self.index = index
        self.count = count
        self.offset = offset
        self.data = data
        self.file = file
    }

    init(fields: WireFields) throws(WireValidationError) {
        try self.init(
            version: fields.int("version"), index: fields.int("index"), count: fields.int("count"),
            offset: fields.int("offset"), data: fields.binary("data"),
            file: fields.optionalString("file") ?? WeightsAnnouncement.policyFile)
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = [
            "version": .int(Int64(version)), "index": .int(Int64(index)), "count": .int(Int64(count)),
            "offset": .int(Int64(offset)), "data": .binary(data),
        ]
        if file != WeightsAnnouncement.policyFile { map["file"] = .string(file) }
        return map
    }
}
