import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// One file of a weights version as weights transport `stream` sends it (docs/protocol.md
/// section 7.6, "Streamed weights"): a `weights_announcement` with `chunk_count`,
/// `total_bytes`, the CRC-32 and the `file` name, then `chunk_count` `weights_chunk`
/// messages. Chunk i carries bytes [i·C, min((i + 1)·C, N)) of the N bytes at offset i·C,
/// C = `chunkBytes`; a file of 0 bytes is one empty chunk.
///
///     N = 3,000,000, C = 1,048,576  →  chunk_count 3: offsets 0, 1,048,576, 2,097,152;
///                                      sizes 1,048,576, 1,048,576, 902,848
public struct StreamedWeightsFile: Sendable {
    /// Bytes per chunk but the last: 1 MiB, far below the 64 MiB payload limit, so one
    /// lost chunk costs little and a chunk never holds the stage loop for long.
    public static let chunkBytes = 1 << 20

    /// The policy version.
    public let version: Int
    /// The file within the version's checkpoint directory (`model.safetensors`,
    /// `critic/model.safetensors`).
    public let file: String
    /// The whole file.
    public let bytes: Data
    /// "crc32:xxxxxxxx" of `bytes`.
    public let checksum: String

    /// The file `file` of `version`, holding `bytes`.
    public init(version: Int, file: String, bytes: Data) {
        self.version = version
        self.file = file
        self.bytes = bytes
        checksum = WeightsAnnouncement.checksumString(CRC32.checksum(bytes))
    }

    /// ⌈N / C⌉, at least 1.
    public var chunkCount: Int { Self.chunkCount(bytes: bytes.count) }

    /// ⌈bytes / C⌉, at least 1.
    public static func chunkCount(bytes: Int) -> Int { max(1, (bytes + chunkBytes - 1) / chunkBytes) }

    /// The announcement that precedes the chunks.
    public func announcement() throws -> WeightsAnnouncement {
        try WeightsAnnouncement(
            version: version, format: WeightsStore.format, source: .chunks(count: chunkCount), totalBytes: bytes.count,
            checksum: checksum, file: file)
    }

    /// Chunk `index` (0 ≤ index < `chunkCount`).
    public func chunk(_ index: Int) throws -> WeightsChunk {
        let start = bytes.startIndex + index * Self.chunkBytes
        let end = min(start + Self.chunkBytes, bytes.endIndex)
        return try WeightsChunk(
            version: version, index: index, count: chunkCount, offset: index * Self.chunkBytes,
            data: Data(bytes[start..<end]), file: file)
    }

    /// The ZeroMQ high-water mark of the weights sockets under transport `stream`: room for
    /// three whole broadcasts of a version (announcement and chunks of the policy, and of
    /// the critic with value kind critic), at least libzmq's default 1000 messages, so that
    /// a broadcast sent in one go is never dropped for a connected reader that keeps up.
    /// The size of a version comes from the model config (F32 parameters plus a header).
    public static func highWaterMark(_ spec: ResolvedPipelineSpec) throws -> Int {
        let config = try RunResources.initialConfig(spec)
        let parameterBytes = 4 * LlamaLayout(config: config).parameterCount
        let headerAllowance = 1 << 16
        var messages = 1 + chunkCount(bytes: parameterBytes + headerAllowance)
        if spec.value == .critic {
            messages += 1 + chunkCount(bytes: parameterBytes + 4 * (config.hiddenSize + 1) + headerAllowance)
        }
        return max(1000, 3 * messages)
    }
}
