/// An error thrown for a bad scheduler configuration or a bad call, naming the key at fault.
///
/// Every check on user input throws this instead of trapping, so a site build can report all
/// bad directives at once. `message` is terse and has no final period, in the style of compiler
/// diagnostics; `suggestion` carries one plausible fix for a "did you mean" note.
public struct SchedulerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration key or argument at fault, e.g. `"beta_schedule"` or `"num_inference_steps"`.
    public var key: String?
    /// A terse description without a final period, e.g. `unknown beta_schedule 'cosine'`.
    public var message: String
    /// A "did you mean" candidate: a valid value or the right key name.
    public var suggestion: String?

    /// Creates an error; `key` names the configuration key or argument at fault.
    public init(key: String?, message: String, suggestion: String? = nil) {
        self.key = key
        self.message = message
        self.suggestion = suggestion
    }

    /// The message followed by the suggestion, e.g. `unknown beta_schedule 'cosine'; did you mean 'squaredcos_cap_v2'?`.
    public var description: String {
        if let suggestion {
            return "\(message); did you mean '\(suggestion)'?"
        }
        return message
    }
}
