// The period control's date picker in the page's language (layouts/period.py).
//
// Dash's DatePickerRange (dash 4) formats month and day names with date-fns, using the first locale in
// window.dateFns.locale that matches the browser's languages, or else the first one there, or else
// date-fns's own English. The page's language is not the browser's: the locale offered here is the one
// the period control names in its data-datepicker-lang attribute (read at each use, so a switch of
// language is followed). Both are written out below (the page loads nothing from the internet); the
// English one is British, as the page's dates are ("1 Sept 2026"), and reads month names back.
(function () {
    "use strict";

    function table(values) {
        return function (index, options) {
            var width = (options && options.width) || "wide";
            var names = values[width] || values.wide;
            return names[index];
        };
    }

    function noMatch() {
        return null;
    }

    // date-fns's parser asks locale.match.month for {value: month index, rest: the text after it}.
    function monthMatch(patterns) {
        return function (text) {
            for (var i = 0; i < patterns.length; i++) {
                var found = patterns[i].exec(text);
                if (found) {
                    return { value: i, rest: text.slice(found[0].length) };
                }
            }
            return null;
        };
    }

    function dictionary(words) {
        return function (key) {
            return words[key] || key;
        };
    }

    // One date-fns locale from a language's tables: only the tables differ between languages.
    function locale(spec) {
        return {
            code: spec.code,
            localize: {
                ordinalNumber: spec.ordinalNumber,
                era: table(spec.era),
                quarter: function (q, options) {
                    return table(spec.quarter)(q - 1, options);
                },
                month: table(spec.month),
                day: table(spec.day),
                dayPeriod: dictionary(spec.dayPeriod),
            },
            formatLong: {
                date: function () {
                    return spec.date;
                },
                time: function () {
                    return "HH:mm";
                },
                dateTime: function () {
                    return "{{date}} {{time}}";
                },
            },
            match: {
                ordinalNumber: noMatch,
                era: noMatch,
                quarter: noMatch,
                month: spec.months ? monthMatch(spec.months) : noMatch,
                day: noMatch,
                dayPeriod: noMatch,
            },
            options: { weekStartsOn: 1, firstWeekContainsDate: 4 },
        };
    }

    var LOCALES = {
        pl: locale({
            code: "pl",
            ordinalNumber: function (n) {
                return String(n);
            },
            era: { narrow: ["p.n.e.", "n.e."], abbreviated: ["p.n.e.", "n.e."], wide: ["przed naszą erą", "naszej ery"] },
            quarter: { narrow: ["1", "2", "3", "4"], abbreviated: ["I kw.", "II kw.", "III kw.", "IV kw."], wide: ["I kwartał", "II kwartał", "III kwartał", "IV kwartał"] },
            // Standalone names (a calendar's heading and month list say "Październik", not "października").
            month: {
                narrow: ["S", "L", "M", "K", "M", "C", "L", "S", "W", "P", "L", "G"],
                abbreviated: ["sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"],
                wide: ["Styczeń", "Luty", "Marzec", "Kwiecień", "Maj", "Czerwiec", "Lipiec", "Sierpień", "Wrzesień", "Październik", "Listopad", "Grudzień"],
            },
            day: {
                narrow: ["N", "P", "W", "Ś", "C", "P", "S"],
                short: ["Nd", "Pn", "Wt", "Śr", "Cz", "Pt", "So"],
                abbreviated: ["niedz.", "pon.", "wt.", "śr.", "czw.", "pt.", "sob."],
                wide: ["niedziela", "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota"],
            },
            dayPeriod: { am: "AM", pm: "PM", midnight: "o północy", noon: "w południe", morning: "rano", afternoon: "po południu", evening: "wieczorem", night: "w nocy" },
            date: "dd.MM.y",
            months: null, // nothing is read by name: the Polish date format is all digits (DD.MM.YYYY)
        }),
        en: locale({
            code: "en-GB",
            ordinalNumber: function (n) {
                var tens = n % 100;
                if (tens > 10 && tens < 14) {
                    return n + "th";
                }
                return n + ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
            },
            era: { narrow: ["B", "A"], abbreviated: ["BC", "AD"], wide: ["Before Christ", "Anno Domini"] },
            quarter: { narrow: ["1", "2", "3", "4"], abbreviated: ["Q1", "Q2", "Q3", "Q4"], wide: ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"] },
            month: {
                narrow: ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"],
                abbreviated: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"],
                wide: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
            },
            day: {
                narrow: ["S", "M", "T", "W", "T", "F", "S"],
                short: ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"],
                abbreviated: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
                wide: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
            },
            dayPeriod: { am: "am", pm: "pm", midnight: "midnight", noon: "noon", morning: "in the morning", afternoon: "in the afternoon", evening: "in the evening", night: "at night" },
            date: "dd/MM/y",
            // "Sept" as the page writes it, "Sep", and whole names: any case.
            months: [/^jan(uary)?/i, /^feb(ruary)?/i, /^mar(ch)?/i, /^apr(il)?/i, /^may/i, /^june?/i, /^july?/i, /^aug(ust)?/i, /^sep(t(ember)?)?/i, /^oct(ober)?/i, /^nov(ember)?/i, /^dec(ember)?/i],
        }),
    };

    function pageLang() {
        var box = document.querySelector("[data-datepicker-lang]");
        return box ? box.getAttribute("data-datepicker-lang") : null;
    }

    window.dateFns = window.dateFns || {};
    Object.defineProperty(window.dateFns, "locale", {
        configurable: true,
        get: function () {
            var lang = pageLang();
            var found = {};
            if (lang && LOCALES[lang]) {
                found[lang] = LOCALES[lang];
            }
            return found;
        },
    });

    // The picker takes a typed date on Enter or Tab only; a date typed and left by a click elsewhere
    // would stay on screen unused. Typed text is handed over as Tab would when the field loses focus.
    var EDITED = "periodEdited";
    function periodInput(target) {
        return target && target.classList && target.classList.contains("dash-datepicker-input") && target.closest("[data-datepicker-lang]");
    }
    document.addEventListener("input", function (e) {
        if (periodInput(e.target)) {
            e.target.dataset[EDITED] = "1";
        }
    }, true);
    document.addEventListener("keydown", function (e) {
        if (periodInput(e.target) && (e.key === "Enter" || e.key === "Tab")) {
            delete e.target.dataset[EDITED];
        }
    }, true);
    document.addEventListener("focusout", function (e) {
        if (periodInput(e.target) && e.target.dataset[EDITED]) {
            delete e.target.dataset[EDITED];
            e.target.dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", bubbles: true }));
        }
    }, true);
})();
