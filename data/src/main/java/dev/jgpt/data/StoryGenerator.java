package dev.jgpt.data;

import java.util.List;
import java.util.Random;

/**
 * The built-in corpus, so that training works offline on a fresh clone: about 400 KB of short
 * stories about villagers who find things and talk about them, made up from a small grammar with a
 * fixed seed. The text is the same on every call and every JVM, and uses about 60 characters.
 */
public final class StoryGenerator {

    /** The corpus's name in messages. */
    public static final String NAME = "built-in stories";

    private static final long SEED = 1_337;
    private static final int TARGET_LENGTH = 400_000;

    private record Person(String name, String pronoun, String role) {}

    private static final List<Person> PEOPLE = List.of(
            new Person("Mira", "she", "baker"),
            new Person("Tobin", "he", "fisher"),
            new Person("Ada", "she", "weaver"),
            new Person("Rowan", "he", "miller"),
            new Person("Ilse", "she", "shepherd"),
            new Person("Bram", "he", "smith"),
            new Person("Nell", "she", "potter"),
            new Person("Oskar", "he", "sailor"),
            new Person("Wren", "she", "gardener"),
            new Person("Jasper", "he", "lamplighter"),
            new Person("Lena", "she", "beekeeper"),
            new Person("Hugo", "he", "clockmaker"),
            new Person("Pia", "she", "carpenter"),
            new Person("Felix", "he", "painter"),
            new Person("Greta", "she", "teacher"),
            new Person("Emil", "he", "farmer"),
            new Person("Vera", "she", "doctor"),
            new Person("Kit", "he", "cook"));

    private static final List<String> TRAITS = List.of(
            "brave", "quiet", "curious", "clever", "gentle", "stubborn", "cheerful", "sleepy", "young",
            "old", "careful", "restless", "kind", "proud", "shy", "busy");

    private static final List<String> PLACES = List.of(
            "the harbor", "the old mill", "the market", "the forest", "the hill", "the river",
            "the bakery", "the lighthouse", "the orchard", "the bridge", "the village square",
            "the library", "the garden", "the cave", "the meadow", "the well", "the station",
            "the school");

    private static final List<String> OBJECTS = List.of(
            "lantern", "key", "map", "boat", "basket", "letter", "bell", "kite", "coin", "clock", "box",
            "ribbon", "cup", "book", "stone", "feather", "compass", "hat", "jar of honey",
            "pair of boots", "umbrella", "whistle", "egg", "shell");

    private static final List<String> LOOKS = List.of(
            "small", "golden", "broken", "shiny", "heavy", "strange", "blue", "wooden", "tiny", "old",
            "painted", "silver", "dusty", "green", "enormous", "red");

    private static final List<String> OPENINGS = List.of(
            "One morning", "Late one evening", "On a rainy day", "At dawn", "In the middle of winter",
            "When the wind was strong", "On the first day of spring", "After a long night",
            "One foggy afternoon", "Just before supper");

    private static final List<String> WISHES = List.of(
            "to see the sea", "a quiet day", "to learn a new song", "to finish the work before noon",
            "to find something wonderful", "a warm cup of tea", "to visit an old friend",
            "to climb the tallest tree");

    private static final List<String> FINDINGS = List.of(
            "under a pile of leaves", "behind a door", "at the bottom of the water", "in the tall grass",
            "on a high shelf", "beside the path", "in an empty bucket", "between two rocks");

    private static final List<String> REACTIONS = List.of(
            "could not believe it", "laughed out loud", "held it very still", "looked around to see who had lost it",
            "turned it over twice", "put it in a pocket at once", "called for help", "sat down to think");

    /** Formats taking the hero's name as %1$s and the object as %2$s. */
    private static final List<String> ENDINGS = List.of(
            "By the time the sun went down, the %2$s was back where it belonged.",
            "They never found out who had lost the %2$s, but %1$s kept it safe.",
            "From that day on, %1$s carried the %2$s everywhere.",
            "Everyone in the village came to look at the %2$s, and nobody forgot that day.",
            "In the end the %2$s went on the shelf, and %1$s went home for supper.",
            "Nobody could say where the %2$s had come from, and that was the best part for %1$s.");

    private final Random random = new Random(SEED);
    private final StringBuilder text = new StringBuilder(TARGET_LENGTH + 4_000);

    private StoryGenerator() {}

    /** The built-in stories: the same text on every call. */
    public static String generate() {
        StoryGenerator generator = new StoryGenerator();
        while (generator.text.length() < TARGET_LENGTH) {
            generator.story();
        }
        return generator.text.toString();
    }

    /** The built-in stories as a corpus named {@value #NAME}, with a vocabulary built from them. */
    public static Corpus corpus() {
        return corpus(null);
    }

    /** The built-in stories encoded with {@code vocabOrNull}, or with their own vocabulary if null. */
    public static Corpus corpus(Vocabulary vocabOrNull) {
        return Corpora.fromText(NAME, generate(), vocabOrNull);
    }

    private void story() {
        Person hero = pick(PEOPLE);
        Person friend = other(hero);
        String thing = pick(LOOKS) + " " + pick(OBJECTS);
        String object = thing.substring(thing.indexOf(' ') + 1);

        line("The " + titleCase(thing));
        line("");
        paragraph(pick(OPENINGS) + ", " + hero.name() + " the " + hero.role() + " went to " + pick(PLACES) + ". "
                + capitalize(hero.pronoun()) + " was " + pick(TRAITS) + " and wanted " + pick(WISHES) + ". "
                + "There, " + pick(FINDINGS) + ", " + hero.pronoun() + " found " + withArticle(thing) + ". "
                + capitalize(hero.pronoun()) + " " + pick(REACTIONS) + ".");
        paragraph("Soon " + friend.name() + " came along from " + pick(PLACES) + ".");
        dialogue(hero, friend, thing, object);
        if (random.nextInt(3) == 0) {
            Person helper = other(hero, friend);
            paragraph("So they went to find " + helper.name() + " the " + helper.role() + ", who was "
                    + pick(TRAITS) + " and knew a great deal about old things.");
            dialogue(helper, hero, thing, object);
        }
        paragraph(String.format(pick(ENDINGS), hero.name(), object));
        line(""); // a second blank line ends the story
    }

    /** One to three exchanges: {@code asker} asks or remarks, {@code answerer} answers. */
    private void dialogue(Person asker, Person answerer, String thing, String object) {
        int exchanges = 1 + random.nextInt(3);
        for (int i = 0; i < exchanges; i++) {
            String[] exchange = exchange(asker, answerer, thing, object);
            line(asker.name() + ": " + exchange[0]);
            line(answerer.name() + ": " + exchange[1]);
        }
        line("");
    }

    private String[] exchange(Person asker, Person answerer, String thing, String object) {
        return switch (random.nextInt(8)) {
            case 0 -> new String[] {"What is that, " + answerer.name() + "?",
                "It is " + withArticle(thing) + ". I found it near " + pick(PLACES) + "."};
            case 1 -> new String[] {"Where did it come from?", "I do not know. Maybe someone lost it."};
            case 2 -> new String[] {"Can I hold the " + object + "?",
                random.nextBoolean() ? "Yes, but be careful with it!" : "Not yet. It might break."};
            case 3 -> new String[] {"I think it is magic.",
                "Nonsense, " + asker.name() + ". It is only " + withArticle(object) + "."};
            case 4 -> new String[] {"Look, there is something written on it!", "What does it say?"};
            case 5 -> new String[] {"What should we do with it?", "We should take it to " + pick(PLACES) + "."};
            case 6 -> new String[] {"Should we ask someone?", "Let us ask " + other(asker, answerer).name() + "."};
            default -> new String[] {"Have you ever seen " + withArticle(pick(LOOKS) + " " + object) + "?",
                "Never, not in all my days."};
        };
    }

    private void paragraph(String sentences) {
        line(sentences);
        line("");
    }

    private void line(String line) {
        text.append(line).append('\n');
    }

    private Person other(Person... excluded) {
        List<Person> taken = List.of(excluded);
        Person person;
        do {
            person = pick(PEOPLE);
        } while (taken.contains(person));
        return person;
    }

    private <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    private static String withArticle(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }

    private static String capitalize(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    private static String titleCase(String words) {
        StringBuilder title = new StringBuilder();
        for (String word : words.split(" ")) {
            title.append(title.length() == 0 ? "" : " ").append(word.equals("of") ? word : capitalize(word));
        }
        return title.toString();
    }
}
