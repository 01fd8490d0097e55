/// A configuration with diffusers' sigma-spacing switches (`use_karras_sigmas`,
/// `use_exponential_sigmas`, `use_beta_sigmas`), of which at most one may be on.
protocol SigmaSpacingConfiguration: SchedulerConfiguration {
    /// `use_karras_sigmas`.
    var useKarrasSigmas: Bool { get set }
    /// `use_exponential_sigmas`.
    var useExponentialSigmas: Bool { get set }
    /// `use_beta_sigmas`.
    var useBetaSigmas: Bool { get set }
}

extension SigmaSpacingConfiguration {
    /// The spacing switched on, or nil; throws when more than one is on.
    func sigmaSpacing() throws(SchedulerError) -> SigmaSpacing? {
        try SigmaSpacing.from(karras: useKarrasSigmas, exponential: useExponentialSigmas, beta: useBetaSigmas)
    }
}

extension ConfigurationField where Root: SigmaSpacingConfiguration {
    /// `use_karras_sigmas`, `use_exponential_sigmas` and `use_beta_sigmas`, in diffusers' order.
    static var sigmaSpacing: [Self] {
        [
            .bool("use_karras_sigmas", \.useKarrasSigmas), .bool("use_exponential_sigmas", \.useExponentialSigmas),
            .bool("use_beta_sigmas", \.useBetaSigmas),
        ]
    }
}
