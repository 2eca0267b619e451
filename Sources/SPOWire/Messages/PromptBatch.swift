/// One prompt to sample responses for.
///
/// Wire map: prompt_id (string), tokens (i32 [T]), text (string, optional, default ""),
/// answer (string, optional: the reference answer a reward function checks against).
public struct Prompt: Sendable, Equatable {
    /// Identifies the prompt within the run (dataset name and index, say).
    public let promptID: String
    /// Token ids, i32 [T], T ≥ 1.
    public let tokens: NumericArray
    /// The prompt as text, for logs and taps ("" if not sent).
    public let text: String
    /// The reference answer, if the task has one.
    public let answer: String?

    /// Checks the id is non-empty and `tokens` is a non-empty i32 vector.
    public init(promptID: String, tokens: NumericArray, text: String = "", answer: String? = nil) throws(WireValidationError) {
        try WireCheck.nonEmpty(promptID, "prompt_id")
        try tokens.requireVector(.i32, field: "tokens")
        guard tokens.elementCount > 0 else { throw WireValidationError(field: "tokens", problem: "is empty") }
        self.promptID = promptID
        self.tokens = tokens
        self.text = text
        self.answer = answer
    }

    init(fields: WireFields) throws(WireValidationError) {
        try self.init(
            promptID: fields.string("prompt_id"), tokens: fields.numericArray("tokens"),
            text: fields.optionalString("text") ?? "", answer: fields.optionalString("answer"))
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = ["prompt_id": .string(promptID), "tokens": tokens.messagePack, "text": .string(text)]
        if let answer { map["answer"] = .string(answer) }
        return map
    }
}

/// Prompts for the generate stage (type 1, prompt_batch).
///
/// Wire body: prompts (array of prompt maps, ≥ 1, distinct prompt_id), samples_per_prompt
/// (int ≥ 1: G, the group size; each prompt's G responses share a group id).
public struct PromptBatch: Sendable, Equatable, WireBody {
    /// The prompts.
    public let prompts: [Prompt]
    /// Responses to sample per prompt (G).
    public let samplesPerPrompt: Int

    /// Checks there is at least one prompt, ids are distinct and G ≥ 1.
    public init(prompts: [Prompt], samplesPerPrompt: Int) throws(WireValidationError) {
        guard !prompts.isEmpty else { throw WireValidationError(field: "prompts", problem: "is empty") }
        guard samplesPerPrompt >= 1 else {
            throw WireValidationError(field: "samples_per_prompt", problem: "\(samplesPerPrompt), expected ≥ 1")
        }
        var seen = Set<String>()
        for prompt in prompts where !seen.insert(prompt.promptID).inserted {
            throw WireValidationError(field: "prompts", problem: "prompt_id \"\(prompt.promptID)\" appears twice")
        }
        self.prompts = prompts
        self.samplesPerPrompt = samplesPerPrompt
    }

    init(fields: WireFields) throws(WireValidationError) {
        var prompts: [Prompt] = []
        for (index, element) in try fields.array("prompts").enumerated() {
            let field = "prompts[\(index)]"
            guard case .map(let map) = element else {
                throw WireValidationError(field: field, problem: "expected map, found \(element.kindName)")
            }
            do {
                prompts.append(try Prompt(fields: WireFields(map: map)))
            } catch {
                throw error.nested(under: field)
            }
        }
        try self.init(prompts: prompts, samplesPerPrompt: fields.int("samples_per_prompt"))
    }

    var wireMap: MessagePackMap {
        ["prompts": .array(prompts.map { .map($0.wireMap) }),
         "samples_per_prompt": .int(Int64(samplesPerPrompt))]
    }
}
