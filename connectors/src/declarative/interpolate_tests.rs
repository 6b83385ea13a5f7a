//! Interpolation with Airbyte's semantics: literals read back, macros, filters, Python methods,
//! conditions, and templates that would work forever stopped.

use serde_json::{Map, Value, json};

#[test]
fn interpolation_follows_airbytes_semantics() {
    use super::interpolate::{Interpolator, literal};
    let interpolator = Interpolator::new("2024-03-10T12:00:00Z".parse().unwrap());
    let mut context = Map::new();
    context.insert(
        "config".into(),
        json!({ "ids": [1, 2], "start": "2024-01-05", "name": "Ada", "count": "7" }),
    );
    let value = |template: &str| interpolator.value(&json!(template), &context).unwrap();
    assert_eq!(value("{{ config['count'] }}"), json!(7));
    assert_eq!(value("{{ config['count'] | string }}"), json!("7"));
    assert_eq!(value("{{ config['ids'] }}"), json!([1, 2]));
    assert_eq!(
        value("{{ config.get('missing', 'fallback') }}"),
        json!("fallback")
    );
    assert_eq!(value("{{ config['missing'] }}"), Value::Null);
    assert_eq!(
        value("{{ config['name'].upper() }}-{{ 1 + 1 }}"),
        json!("ADA-2")
    );
    assert_eq!(
        value("{{ now_utc().strftime('%Y-%m-%d') }}"),
        json!("2024-03-10")
    );
    assert_eq!(value("{{ now_utc() }}"), json!("2024-03-10 12:00:00+00:00"));
    assert_eq!(value("{{ today_utc() }}"), json!("2024-03-10"));
    assert_eq!(
        value("{{ day_delta(-1, '%Y-%m-%d') }}"),
        json!("2024-03-09")
    );
    assert_eq!(
        value("{{ format_datetime(config['start'], '%Y/%m/%d') }}"),
        json!("2024/01/05")
    );
    assert_eq!(value("{{ timestamp('2024-01-05') }}"), json!(1704412800.0));
    assert_eq!(value("{{ timestamp(1704412800.9) }}"), json!(1704412800));
    assert_eq!(value("{{ max(3, 9, 4) }}"), json!(9));
    assert_eq!(value("{{ duration('P1D') }}"), json!("1 day, 0:00:00"));
    assert_eq!(
        value("{{ now_utc().subtract(duration('P30D')).strftime('%Y-%m-%d') }}"),
        json!("2024-02-09")
    );
    assert_eq!(
        value("{{ 'user:pass' | base64encode }}"),
        json!("dXNlcjpwYXNz")
    );
    assert_eq!(
        value("{{ 'dXNlcjpwYXNz' | base64decode }}"),
        json!("user:pass")
    );
    assert_eq!(
        value("{{ 'abc' | hash('md5') }}"),
        json!("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(
        value("{{ '<https://x/?page=2>; rel=next' | regex_search('page=(\\d+)') }}"),
        json!(2)
    );
    assert_eq!(literal("007"), json!("007"));
    assert_eq!(literal("true"), json!("true"));
    assert_eq!(literal("True"), json!(true));
    assert_eq!(literal("1e3"), json!(1000.0));
    assert_eq!(literal("2024-01-05"), json!("2024-01-05"));
    assert!(
        !interpolator
            .condition(&json!("{{ [] }}"), &context)
            .unwrap()
    );
    assert!(
        interpolator
            .condition(&json!("{{ config['name'] == 'Ada' }}"), &context)
            .unwrap()
    );
    // A template that would take forever is stopped.
    let error = interpolator
        .value(
            &json!(
                "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}"
            ),
            &context,
        )
        .unwrap_err();
    assert!(error.contains("too much work"), "{error}");
}
