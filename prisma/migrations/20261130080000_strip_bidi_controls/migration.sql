-- Titles and names written before issue 14 may hold bidirectional embedding, override and isolate
-- controls (U+202A–U+202E, U+2066–U+2069, UAX #9), which reverse the text after them wherever it is
-- shown. Forms now remove them on the way in (src/text/visible-text.ts); this removes those already
-- stored. Bodies are left as written: each is shown in a block of its own with dir="auto".
UPDATE "threads" SET "title" = regexp_replace("title", '[\u202A-\u202E\u2066-\u2069]', '', 'g')
  WHERE "title" ~ '[\u202A-\u202E\u2066-\u2069]';
UPDATE "users" SET "display_name" = regexp_replace("display_name", '[\u202A-\u202E\u2066-\u2069]', '', 'g')
  WHERE "display_name" ~ '[\u202A-\u202E\u2066-\u2069]';
UPDATE "users" SET "job_title" = regexp_replace("job_title", '[\u202A-\u202E\u2066-\u2069]', '', 'g')
  WHERE "job_title" ~ '[\u202A-\u202E\u2066-\u2069]';
UPDATE "communities" SET "name" = regexp_replace("name", '[\u202A-\u202E\u2066-\u2069]', '', 'g')
  WHERE "name" ~ '[\u202A-\u202E\u2066-\u2069]';
UPDATE "organizations" SET "name" = regexp_replace("name", '[\u202A-\u202E\u2066-\u2069]', '', 'g')
  WHERE "name" ~ '[\u202A-\u202E\u2066-\u2069]';
UPDATE "departments" SET "name" = regexp_replace("name", '[\u202A-\u202E\u2066-\u2069]', '', 'g')
  WHERE "name" ~ '[\u202A-\u202E\u2066-\u2069]';
UPDATE "attachments" SET "display_name" = regexp_replace("display_name", '[\u202A-\u202E\u2066-\u2069]', '', 'g')
  WHERE "display_name" ~ '[\u202A-\u202E\u2066-\u2069]';
