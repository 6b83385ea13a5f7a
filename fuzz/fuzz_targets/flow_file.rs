//! A flow file: parsed, then validated against every component's schema.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(flow) = sluice_core::Flow::from_json(text) {
        let _ = sluice_core::validate::validate(&flow, &sluice_connectors::registry());
    }
});
