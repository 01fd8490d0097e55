import Testing
@testable import DiffusionSchedulers

/// Spot values printed by diffusers 0.42.1 + torch 2.15 (shared/reference/diffusers_schedules.txt);
/// the full bit-exact comparison against generated fixtures lives in ScheduleParityTests.
@Suite struct NoiseScheduleSpotTests {
    @Test func linearMatchesDiffusersSpotValues() throws {
        let s = try NoiseSchedule()
        #expect(s.betas[0] == 9.999999747378752e-05)
        #expect(s.betas[1] == 0.00011991991777904332)
        #expect(s.betas[499] == 0.010040040127933025)
        #expect(s.betas[500] == 0.010059959255158901)
        #expect(s.betas[998] == 0.01998008042573929)
        #expect(s.betas[999] == 0.019999999552965164)
        #expect(s.alphasCumprod[0] == 0.9998999834060669)
        #expect(s.alphasCumprod[499] == 0.07858723402023315)
        #expect(s.alphasCumprod[999] == 4.035830352222547e-05)
    }

    @Test func scaledLinearMatchesDiffusersSpotValues() throws {
        let s = try NoiseSchedule(betaStart: 0.00085, betaEnd: 0.012, betaSchedule: .scaledLinear)
        #expect(s.betas[1] == 0.0008546985918655992)
        #expect(s.betas[500] == 0.004814953543245792)
        #expect(s.betas[998] == 0.01198237482458353)
        #expect(s.alphasCumprod[499] == 0.27766942977905273)
        #expect(s.alphasCumprod[999] == 0.00466009508818388)
    }

    @Test func cosineMatchesDiffusersSpotValues() throws {
        let s = try NoiseSchedule(betaSchedule: .squaredcosCapV2)
        #expect(s.betas[0] == 4.128422369831242e-05)
        #expect(s.betas[499] == 0.003145886119455099)
        #expect(s.betas[998] == 0.7499994039535522)
        #expect(s.betas[999] == 0.9990000128746033)
        #expect(s.alphasCumprod[999] == 2.4287349909002387e-09)
    }

    @Test func zeroSnrRescaleMatchesDiffusersSpotValues() throws {
        let s = try NoiseSchedule(rescaleBetasZeroSnr: true)
        #expect(s.betas[0] == 0.00010001659393310547)
        #expect(s.betas[998] == 0.7522659301757812)
        #expect(s.betas[999] == 1.0)
        #expect(s.alphasCumprod[499] == 0.0760287269949913)
        #expect(s.alphasCumprod[999] == 0.0)
    }

    @Test func badScheduleArgumentsThrowNamingTheKey() {
        #expect(throws: SchedulerError.self) { try NoiseSchedule(numTrainTimesteps: 0) }
        do {
            _ = try NoiseSchedule(numTrainTimesteps: 3, trainedBetas: [0.1, .nan, 0.2])
            Issue.record("NaN in trained_betas was accepted")
        } catch {
            #expect(error.key == "trained_betas")
            #expect(error.message.contains("nan"))
        }
    }
}

@Suite struct DDPMTimestepSpotTests {
    @Test func defaultLeadingTenSteps() throws {
        let s = try DDPMScheduler(config: DDPMSchedulerConfiguration())
        try s.setTimesteps(10)
        #expect(s.timesteps == [900, 800, 700, 600, 500, 400, 300, 200, 100, 0])
    }

    @Test func configDecodingNamesUnknownKeyWithSuggestion() {
        do {
            _ = try DDPMSchedulerConfiguration(values: ["beta_shedule": "linear"])
            Issue.record("unknown key accepted")
        } catch {
            #expect(error.key == "beta_shedule")
            #expect(error.suggestion == "beta_schedule")
        }
        do {
            _ = try DDPMSchedulerConfiguration(values: ["beta_schedule": "cosine"])
            Issue.record("unknown beta_schedule accepted")
        } catch {
            #expect(error.description == "unknown beta_schedule 'cosine'; did you mean 'squaredcos_cap_v2'?")
        }
    }
}
