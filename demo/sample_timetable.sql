-- A small sample timetable for the demo: six stations of the operations guide and a handful
-- of trains with weekday, weekend, overnight and seasonal services.
INSERT INTO railway.locations (name, code) VALUES
    ('Davangere', 'DVD'),
    ('Gudur Junction', 'GDR.KI'),
    ('Narasapur', 'NS'),
    ('Vijayawada Junction', 'BZA'),
    ('Machilipatnam', 'MTM'),
    ('Kakinada Port', 'COA');

INSERT INTO railway.trains (train_number, description, type) VALUES
    ('12711', 'Pinakini Express', 'express'),
    ('17213', 'Narasapur - Vijayawada passenger', 'local'),
    ('12749', 'Machilipatnam - Bidar superfast', 'express'),
    ('07501', 'Festival special', 'special'),
    ('F4410', 'Container freight', 'freight');

INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date, effective_end_date)
SELECT t.id, d.id, a.id, s.dep, s.arr, s.days, s.start_date, s.end_date
FROM (VALUES
    -- train    from      to      departs                arrives                running days        effective
    ('12711', 'BZA',    'GDR.KI', '2025-01-06 06:00'::timestamp, '2025-01-06 10:10'::timestamp, '{t,t,t,t,t,t,t}'::boolean[], '2025-01-01'::timestamp, NULL::timestamp),
    ('12711', 'GDR.KI', 'BZA',    '2025-01-06 14:30', '2025-01-06 18:45', '{t,t,t,t,t,t,t}', '2025-01-01', NULL),
    ('17213', 'NS',     'BZA',    '2025-01-06 05:15', '2025-01-06 08:05', '{t,t,t,t,t,f,f}', '2025-01-01', NULL),
    ('17213', 'BZA',    'NS',     '2025-01-11 07:00', '2025-01-11 09:55', '{f,f,f,f,f,t,t}', '2025-01-01', NULL),
    ('12749', 'MTM',    'DVD',    '2025-01-10 22:00', '2025-01-12 04:30', '{f,f,f,f,t,f,f}', '2025-01-01', '2025-12-31'),
    ('12749', 'DVD',    'MTM',    '2025-01-12 09:00', '2025-01-13 15:20', '{f,f,f,f,f,f,t}', '2025-01-01', '2025-12-31'),
    ('07501', 'BZA',    'COA',    '2025-10-18 23:00', '2025-10-19 03:30', '{f,f,f,f,f,t,f}', '2025-10-18', '2025-11-01'),
    ('F4410', 'COA',    'BZA',    '2025-01-07 01:00', '2025-01-07 06:40', '{f,t,f,t,f,f,f}', '2025-01-01', NULL)
) AS s (train, from_code, to_code, dep, arr, days, start_date, end_date)
JOIN railway.trains t ON t.train_number = s.train
JOIN railway.locations d ON d.code = s.from_code
JOIN railway.locations a ON a.code = s.to_code;
