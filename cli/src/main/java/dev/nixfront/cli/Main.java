package dev.nixfront.cli;

/** Entry point of the nixfront command (filled in by the CLI work). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("nixfront");
    }
}
