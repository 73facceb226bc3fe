package jns.opensearch;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * One OpenSearch node in this JVM, configured by HOME/config/opensearch.yml
 * (written by search/cluster.py).  The modules that the distribution would
 * load from its modules/ folder, and the preanalyzed plugin, are loaded from
 * the classpath instead, so no distribution is unpacked and no plugin is
 * installed.  SIGTERM closes the node cleanly; SIGKILL is a crash.
 *
 * <p>Usage: {@code java -cp ... jns.opensearch.NodeMain HOME}
 */
public final class NodeMain {

    /**
     * Classpath plugins: the modules this project needs, then its own.  The
     * system property {@code jns.plugins} (comma-separated class names)
     * replaces the list; cluster.py adds Painless only when asked, since
     * building its whitelist is most of a node's start-up time.
     */
    static final String DEFAULT_PLUGINS = String.join(",",
        "org.opensearch.transport.Netty4Plugin",
        "org.opensearch.analysis.common.CommonAnalysisPlugin",
        "org.opensearch.index.mapper.MapperExtrasPlugin",
        "org.opensearch.index.reindex.ReindexPlugin",
        "jns.opensearch.PreAnalyzedPlugin");

    /** Node's constructor that takes classpath plugins is protected. */
    static final class DevNode extends Node {
        DevNode(final Environment environment, final Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    private NodeMain() {}

    public static void main(final String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: NodeMain HOME   (HOME/config/opensearch.yml configures the node)");
            System.exit(64);
        }
        final Path home = Paths.get(args[0]).toAbsolutePath();
        final Path config = home.resolve("config");
        final Settings initial = Settings.builder().put("path.home", home.toString()).build();
        final Environment environment = InternalSettingsPreparer.prepareEnvironment(initial, Map.of(), config, () -> "node");
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
        LogConfigurator.configure(environment);

        final Collection<Class<? extends Plugin>> plugins = new ArrayList<>();
        for (final String name : System.getProperty("jns.plugins", DEFAULT_PLUGINS).split(",")) {
            if (!name.isBlank()) {
                plugins.add(Class.forName(name.trim()).asSubclass(Plugin.class));
            }
        }
        final Node node = new DevNode(environment, plugins);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
                LogManager.shutdown();
            }
        }, "jns-node-shutdown"));
        try {
            node.start();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println("jns-node started: " + Node.NODE_NAME_SETTING.get(environment.settings()));
        System.out.flush();
        stopped.await(); // the node's threads are daemons: keep the JVM alive until SIGTERM
    }
}
