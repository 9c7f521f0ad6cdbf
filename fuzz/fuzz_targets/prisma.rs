//! The Prisma schema reader on arbitrary text.
#![no_main]

use backend_brain::schema::parse_schema_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_schema_file("prisma/schema.prisma", &String::from_utf8_lossy(data));
});
